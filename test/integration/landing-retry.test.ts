import { describe, expect, it } from '@jest/globals';
import type { KafkaEventBatch } from '../../lib/contract/kafka-event';
import { endOffsets } from '../../local/services/kafka/topic';
import { auditDataBucket } from '../../local/stack/bucket-audit';
import { produceMinutes, useTestStack } from '../support/local-stack';

const stack = useTestStack();

describe('Kafka → local event source mapping → landTicks → S3', () => {
  it('retries a batch that failed after writing part of its objects, with 0 lost and 0 duplicated', async () => {
    const local = stack();
    const attempted = new Set<string>();
    let failures = 0;
    const [mapping] = await local.startMappings({
      maxAttempts: 4,
      // The first attempt of every batch writes its first half for real, then fails.
      wrap: (invoke) => async (event: KafkaEventBatch) => {
        const [group, records] = Object.entries(event.records)[0] ?? [];
        const first = `${group}@${records?.[0]?.offset}`;
        if (group && records && !attempted.has(first)) {
          attempted.add(first);
          await invoke({ ...event, records: { [group]: records.slice(0, Math.ceil(records.length / 2)) } });
          failures++;
          throw new Error('simulated crash after a partial write');
        }
        return invoke(event);
      },
    });
    const produced = await produceMinutes(local, ['AAPL', 'NVDA', 'PG', 'HD'], 6);
    await mapping?.waitFor(await endOffsets(local));

    const audit = await auditDataBucket({
      client: local.s3.client,
      bucket: local.resources.DataBucket as string,
      layout: local.layout,
    });
    expect(failures).toBeGreaterThan(0);
    expect(mapping?.stats.failedInvocations).toBe(failures);
    expect(audit).toMatchObject({ landed: produced, distinct: produced, quarantined: 0 });
  });
});
