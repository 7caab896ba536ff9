import { describe, expect, it } from '@jest/globals';
import { simulateTicks } from '../../lib/market/simulated/simulator';
import { resolveProfiles } from '../../lib/market/simulated/symbols';
import { localKafkaClient } from '../../local/services/kafka/client';
import { endOffsets } from '../../local/services/kafka/topic';
import { auditDataBucket, readObjects } from '../../local/stack/bucket-audit';
import { testBrokers, testKafkaAuth } from '../support/env';
import { useTestStack } from '../support/local-stack';

const stack = useTestStack();

describe('Kafka → local event source mapping → landTicks → S3', () => {
  it('quarantines poison records while the partition keeps flowing', async () => {
    const local = stack();
    const [mapping] = await local.startMappings();
    const producer = localKafkaClient({
      clientId: 'poison',
      brokers: testBrokers(),
      auth: testKafkaAuth(),
    }).producer();
    await producer.connect();
    const ticks = simulateTicks({
      seed: 'poison',
      profiles: resolveProfiles(['AAPL']),
      startMs: Date.parse('2026-11-20T15:00:00Z'),
      endMs: Date.parse('2026-11-20T15:01:00Z'),
      ticksPerSecond: 1,
    });
    const poison = ['{"symbol":"AAPL","price":', JSON.stringify({ ...ticks[0], price: -1 }), 'AAPL,250.10'];
    // All on one key, so poison sits in the same partition between good ticks.
    const messages = ticks.flatMap((tick, i) => [
      { key: 'AAPL', value: JSON.stringify(tick) },
      ...(i % 20 === 0 ? [{ key: 'AAPL', value: poison[(i / 20) % poison.length] ?? '' }] : []),
    ]);
    await producer.send({ topic: local.topic, acks: -1, messages });
    await producer.send({ topic: local.topic, acks: -1, messages: [{ key: 'AAPL', value: null }] });
    await producer.disconnect();
    await mapping?.waitFor(await endOffsets(local));

    const audit = await auditDataBucket({
      client: local.s3.client,
      bucket: local.resources.DataBucket as string,
      layout: local.layout,
    });
    expect(audit).toMatchObject({ landed: 60, distinct: 60, quarantined: 4 });
    const quarantine = await readObjects({
      client: local.s3.client,
      bucket: local.resources.DataBucket as string,
      prefix: 'quarantine/',
    });
    const reasons = quarantine.flatMap((object) =>
      object.lines.map((line) => (JSON.parse(line) as { reason: string }).reason),
    );
    expect(reasons.map((reason) => reason.split(':')[0]).sort()).toEqual([
      'empty value',
      'malformed JSON',
      'malformed JSON',
      'schema',
    ]);
    expect(reasons).toContain(
      'schema: price: Too small: expected number to be >0; price: bid <= price <= ask must hold',
    );
    expect(mapping?.stats.failedInvocations).toBe(0);
  });
});
