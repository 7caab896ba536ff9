import { describe, expect, it } from '@jest/globals';
import { endOffsets } from '../../local/services/kafka/topic';
import { auditDataBucket, readObjects } from '../../local/stack/bucket-audit';
import { produceMinutes, startTestStack, useTestStack } from '../support/local-stack';

const stack = useTestStack();

describe('Kafka → local event source mapping → landTicks → S3', () => {
  it('lands every produced tick exactly once, one object per partition and hour per batch', async () => {
    const local = stack();
    const [mapping] = await local.startMappings();
    const produced = await produceMinutes(local, ['AAPL', 'MSFT', 'KO', 'JPM', 'TSLA', 'V'], 8);
    await mapping?.waitFor(await endOffsets(local));

    const audit = await auditDataBucket({
      client: local.s3.client,
      bucket: local.resources.DataBucket as string,
      layout: local.layout,
    });
    expect(produced).toBe(6 * 60 * 8);
    expect(audit).toMatchObject({ landed: produced, distinct: produced, records: produced, quarantined: 0 });
    // The minutes span 14:56–15:03, so each batch writes at most two objects per partition.
    expect(audit.objects).toBeLessThanOrEqual((mapping?.stats.invocations ?? 0) * 2);
    const keys = (
      await readObjects({
        client: local.s3.client,
        bucket: local.resources.DataBucket as string,
        prefix: 'raw/',
      })
    ).map((object) => object.key);
    for (const key of keys)
      expect(key).toMatch(
        new RegExp(`^raw/stock_ticks/dt=2026-11-20/${local.topic}\\+[0-2]\\+\\d+\\.json\\.gz$`),
      );
  });

  it('lands two stacks on one broker side by side, each stack its own topic’s ticks (their mappings never share a group)', async () => {
    const stacks = await Promise.all([startTestStack(), startTestStack()]);
    try {
      const runs = await Promise.all(
        stacks.map(async (each) => {
          const [mapping] = await each.startMappings();
          const produced = await produceMinutes(each, ['AAPL', 'KO', 'V'], 2);
          // Under the test's own timeout, so that a stack starved of its partitions fails saying so.
          await mapping?.waitFor(await endOffsets(each), 60_000);
          const audit = await auditDataBucket({
            client: each.s3.client,
            bucket: each.resources.DataBucket as string,
            layout: each.layout,
          });
          return { produced, landed: audit.landed, distinct: audit.distinct };
        }),
      );
      expect(runs).toEqual([
        { produced: 360, landed: 360, distinct: 360 },
        { produced: 360, landed: 360, distinct: 360 },
      ]);
    } finally {
      await Promise.all(stacks.map((each) => each.stop()));
    }
  });
});
