import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');

/** The region `sls` resolves for the dev stage in an environment, with the given extra arguments. */
async function slsRegion(env: Record<string, string>, args: string[] = []): Promise<string> {
  const { AWS_REGION: _region, AWS_PROFILE: _profile, ...inherited } = process.env;
  const { stdout } = await run(
    resolve(ROOT, 'node_modules', '.bin', 'sls'),
    ['print', '--stage', 'dev', '--format', 'json', ...args],
    { cwd: ROOT, env: { ...inherited, ...env }, maxBuffer: 16 * 1024 * 1024 },
  );
  return (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { provider: { region: string } }).provider.region;
}

describe('the region a deploy goes to (the rule the tickstream CLI follows too)', () => {
  it('is --region, else AWS_REGION, else us-east-1; a profile of its own is not read', async () => {
    const regions = await Promise.all([
      slsRegion({ AWS_REGION: 'eu-west-2' }),
      slsRegion({ AWS_REGION: 'eu-west-2' }, ['--region', 'ap-south-1']),
      // Neither: the default, whatever a profile or the AWS CLI's own variable says.
      slsRegion({ AWS_PROFILE: 'elsewhere', AWS_DEFAULT_REGION: 'sa-east-1' }),
    ]);
    expect(regions).toEqual(['eu-west-2', 'ap-south-1', 'us-east-1']);
  });
});
