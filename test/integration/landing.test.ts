import { describe, expect, it } from '@jest/globals';
import { endOffsets } from '../../local/services/kafka/topic';
import { auditDataBucket, readObjects } from '../../local/stack/bucket-audit';
import { produceMinutes, useTestStack } from '../support/local-stack';

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
});
