/**
 * The local schedules retry a failed producer minute as Lambda retries an asynchronous invocation (one minute,
 * then two), so a broker frozen for 40 s while the window is published loses no minute and ends no run; a minute
 * whose retries are spent is one line of the run's failures, and no function log reaches the screen.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sleep } from '../../lib/shared/time';
import { firingsBetween, localSchedules } from '../../local/aws/schedules';
import { publishWindow } from '../../local/pipeline/phases';
import type { PipelineSession } from '../../local/pipeline/session';
import { endOffsets } from '../../local/services/kafka/topic';
import { auditDataBucket } from '../../local/stack/bucket-audit';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import type { ResolvedServerlessConfig } from '../../local/stack/serverless-config';
import { testLogLevel } from '../support/env';
import { waitUntil } from '../support/wait';

const FREEZE_MS = 40_000;
/** Whether the broker frozen by the last session has been resumed. */
let resumed = true;
const SYMBOLS = 20;

// A broker of its own: freezing the shared test broker would stall every other test file.
let stack: LocalStack | undefined;
const functionLog: string[] = [];
beforeAll(async () => {
  stack = await startLocalStack({
    stage: 'dev',
    ownBroker: true,
    functionLogLevel: testLogLevel(),
    functionLogs: { write: (line: string) => functionLog.push(line) },
    batchingWindowMs: 200,
    log: () => undefined,
  });
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * The pipeline's session around the stack, with its producer schedules over `minutes` minutes from `startMs` and
 * a broker frozen for 40 s as its `freezeAt`th producer invocation starts; `retries` overrides produceTicks' setting, and
 * `firstGroupOnly` keeps the first of its schedules.
 */
function frozenSession(
  local: LocalStack,
  params: { startMs: number; minutes: number; freezeAt: number; retries?: number; firstGroupOnly?: boolean },
) {
  const produceTicks = local.config.functions.produceTicks;
  const config: ResolvedServerlessConfig =
    params.retries === undefined || produceTicks === undefined
      ? local.config
      : {
          ...local.config,
          functions: {
            ...local.config.functions,
            produceTicks: { ...produceTicks, maximumRetryAttempts: params.retries },
          },
        };
  // The first producer invocation connects; the second's send meets the freeze, as one a second into a run does.
  let producerInvocations = 0;
  const brokerPid = local.brokerNodes[0]?.pid as number;
  const screen: string[] = [];
  const session = {
    stack: {
      ...local,
      config,
      invoke: (functionName: string, event: unknown) => {
        if (functionName === 'produceTicks' && ++producerInvocations === params.freezeAt) {
          process.kill(brokerPid, 'SIGSTOP');
          resumed = false;
          setTimeout(() => {
            process.kill(brokerPid, 'SIGCONT');
            resumed = true;
          }, FREEZE_MS);
        }
        return local.invoke(functionName, event);
      },
    },
    firings: firingsBetween({
      schedules: localSchedules(config)
        .filter(({ functionName }) => functionName === 'produceTicks')
        .slice(0, params.firstGroupOnly ? 1 : undefined),
      startMs: params.startMs,
      endMs: params.startMs + params.minutes * 60_000,
    }),
    setFiringTime: () => undefined,
    begin: (name: string) => ({
      update: () => undefined,
      done: (summary: string) => screen.push(`${name}: ${summary}`),
      abort: () => undefined,
    }),
    log: (line: string) => functionLog.push(line),
    failures: [] as string[],
  } as unknown as PipelineSession;
  return { session, screen };
}

describe('the local schedules, with the broker frozen for 40 s while a minute publishes', () => {
  it('retry the failed minute after a minute, as Lambda does, and every tick lands', async () => {
    const local = stack as LocalStack;
    const [mapping] = await local.startMappings();
    const { session, screen } = frozenSession(local, {
      startMs: Date.parse('2026-12-03T14:30:00Z'),
      minutes: 3,
      freezeAt: 2,
    });

    // Lambda's waits (a minute, then two) at a quarter of their length: the broker is back 40 s into the freeze,
    // the frozen minute fails at its 30 s send deadline and is retried 15 s later (the unit tests hold the waits).
    const published = await publishWindow(session, 'publish', undefined, { sleep: (ms) => sleep(ms / 4) });

    expect(session.failures).toEqual([]);
    // The frozen minute failed at its send deadline and was retried (any minute tried during the freeze may be).
    expect(published.retries).toBeGreaterThanOrEqual(1);
    expect(functionLog.join('')).toMatch(
      /produceTicks: attempt 1 failed \(Kafka brokers .* no acknowledgement within 30000 ms\); retried in 60 s/,
    );
    // Three minutes of the schedules' SYMBOLS symbols (two groups of ten), a tick a second.
    expect(published.produced).toBe(3 * SYMBOLS * 60);
    expect(screen.join('\n')).toContain('retried after a failed attempt, as Lambda does');
    await mapping?.waitFor(await endOffsets(local));
    const audit = await auditDataBucket({
      client: local.s3.client,
      bucket: local.resources.DataBucket as string,
      layout: local.layout,
    });
    expect(audit.distinct).toBe(published.produced);
    expect(audit.quarantined).toBe(0);
  }, 300_000);

  it('record a minute with no retry left as one line of the run, with no function log on the screen', async () => {
    const local = stack as LocalStack;
    const { session } = frozenSession(local, {
      startMs: Date.parse('2026-12-03T15:30:00Z'),
      minutes: 1,
      freezeAt: 1,
      retries: 0,
      firstGroupOnly: true,
    });
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(chunk.toString());
      return true;
    };
    const stdout = process.stdout.write;
    const stderr = process.stderr.write;
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    let published: Awaited<ReturnType<typeof publishWindow>>;
    try {
      published = await publishWindow(session, 'publish');
      // The abandoned send's client may still log as it gives up, until the broker is back: that too goes to the
      // function log.
      await waitUntil('the broker to be back', () => resumed, { timeoutMs: FREEZE_MS, intervalMs: 200 });
      await sleep(2_000);
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    }
    expect(written.join('')).toBe('');
    expect(published.retries).toBe(0);
    expect(session.failures).toHaveLength(1);
    expect(session.failures[0]).toMatch(
      /^produceTicks for 15:30 failed once, with no retry allowed: Kafka brokers .* no acknowledgement within 30000 ms \(on AWS the event would go to its on-failure destination\)$/,
    );
  }, 300_000);
});
