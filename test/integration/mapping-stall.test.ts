import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { endOffsets } from '../../local/services/kafka/topic';
import { auditDataBucket } from '../../local/stack/bucket-audit';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { testLogLevel } from '../support/env';
import { produceMinutes } from '../support/local-stack';

// A stack with a broker of its own: stalling the shared test broker would stall every other test file.
let stack: LocalStack | undefined;
const logged: string[] = [];
beforeAll(async () => {
  stack = await startLocalStack({
    stage: 'dev',
    ownBroker: true,
    functionLogLevel: testLogLevel(),
    batchingWindowMs: 200,
    log: (line) => logged.push(line),
  });
});
afterAll(async () => {
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the local mapping through a broker stall', () => {
  it('resumes from its committed offsets after a stall longer than its session timeout, landing everything once', async () => {
    const local = stack as LocalStack;
    expect(local.ownBroker).toBe(true);
    const pid = local.brokerNodes[0]?.pid as number;
    const [mapping] = await local.startMappings();
    const linesBeforeStall = logged.length;
    const before = await produceMinutes(local, ['AAPL', 'MSFT', 'KO'], 2);
    // Frozen as a broker whose machine stops answering, for longer than the consumer group's 30 s session
    // timeout: the group drops the member.
    process.kill(pid, 'SIGSTOP');
    try {
      await sleep(40_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const after = await produceMinutes(local, ['JPM', 'PG', 'HD'], 2);
    await mapping?.waitFor(await endOffsets(local), 90_000);

    const audit = await auditDataBucket({
      client: local.s3.client,
      bucket: local.resources.DataBucket as string,
      layout: local.layout,
    });
    expect(audit).toMatchObject({ landed: before + after, distinct: before + after, quarantined: 0 });
    // How the consumer came back depends on where kafkajs was when the group dropped it: mid-batch it stops the
    // consumer for good and the mapping starts a new one (logged); between fetches it rejoins by itself. Both
    // paths are driven on purpose in test/unit/local/mapping-consumer-restart.test.ts.
    // Nothing else: no batch retried, nothing given up.
    expect(
      logged
        .slice(linesBeforeStall)
        .filter((line) => !/its consumer stopped \(.+\); starting a new one$/.test(line)),
    ).toEqual([]);
  }, 180_000);

  it("names the consumer's last error when it cannot reach its offsets", async () => {
    const local = stack as LocalStack;
    const pid = local.brokerNodes[0]?.pid as number;
    const [mapping] = await local.startMappings({ consumerGroupSuffix: '-stalled' });
    // One record past the topic's end, on a broker that stops answering: the mapping cannot get there.
    const target = new Map(
      [...(await endOffsets(local))].map(([partition, offset]) => [partition, offset + 1n]),
    );
    process.kill(pid, 'SIGSTOP');
    try {
      await expect(mapping?.waitFor(target, 45_000)).rejects.toThrow(
        /^the mapping did not reach the target offsets within 45000 ms \(its consumer's last error: .+\)$/,
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 120_000);
});
