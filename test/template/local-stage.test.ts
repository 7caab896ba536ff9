import { describe, expect, it } from '@jest/globals';
import { slsOffline } from '../support/template';

type Hook = () => void;
// The guard is a plain CommonJS Serverless plugin (osls loads it with require).
const LocalStageGuard = require('../../local/stack/local-stage-guard.js') as new (
  serverless: unknown,
  options: { stage?: string },
) => { hooks: Record<string, Hook> };

const REFUSAL =
  'stage "local" points its functions at this machine (functionValues: local): it is for sls invoke local only, deploy another stage';

/** The slice of the Serverless instance the guard reads: serverless.yml's param as resolved for the command. */
const fakeServerless = (stage: string, functionValuesInUse: string) => ({
  service: { provider: { stage }, custom: { functionValuesInUse } },
  classes: { Error },
});

describe('the local stage cannot be deployed', () => {
  it('refuses `sls deploy --stage local` before packaging, offline, saying why', async () => {
    const result = await slsOffline(['deploy', '--stage', 'local']);
    expect(result.ok).toBe(false);
    expect(result.output).toContain(REFUSAL);
  });

  it('refuses `sls deploy function` on the local stage', async () => {
    const result = await slsOffline(['deploy', 'function', '-f', 'produceTicks', '--stage', 'local']);
    expect(result.ok).toBe(false);
    expect(result.output).toContain(REFUSAL);
  });

  it('refuses a deployed stage told to point at this machine with --param', async () => {
    const result = await slsOffline(['deploy', '--stage', 'dev', '--param=functionValues=local']);
    expect(result.ok).toBe(false);
    expect(result.output).toContain(REFUSAL.replace('"local"', '"dev"'));
  });

  it('lets every stage whose functions point at the stack deploy', () => {
    for (const stage of ['dev', 'prod', 'anything']) {
      const guard = new LocalStageGuard(fakeServerless(stage, 'stack'), { stage });
      for (const hook of Object.values(guard.hooks)) expect(hook).not.toThrow();
    }
    const local = new LocalStageGuard(fakeServerless('local', 'local'), { stage: 'local' });
    expect(Object.keys(local.hooks)).toEqual(['before:deploy:deploy', 'before:deploy:function:initialize']);
    for (const hook of Object.values(local.hooks)) expect(hook).toThrow(REFUSAL);
  });
});
