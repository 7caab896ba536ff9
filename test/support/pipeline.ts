import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { authEnvironment } from '../../local/stack/function-environments';
import { testBrokers, testKafkaAuth } from './env';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');

/**
 * Runs `npm run pipeline` as a user does (the same script, `local/pipeline/main.ts`), with `args`, on the test broker
 * and a topic of its own (so no other test's records reach its counts); returns its screen and the JSON summary that
 * ends its stdout.
 */
export async function runPipeline<Summary>(
  args: string[],
): Promise<{ stdout: string; stderr: string; summary: Summary }> {
  const { stdout, stderr } = await run(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--import', 'tsx', 'local/pipeline/main.ts', ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: testBrokers().join(','),
        KAFKA_TOPIC: `pipeline-${randomUUID()}`,
        ...authEnvironment(testKafkaAuth()),
      },
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return { stdout, stderr, summary: JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Summary };
}
