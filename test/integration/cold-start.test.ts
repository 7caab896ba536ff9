import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { startBroker } from '../../local/services/kafka/broker';
import { endOffsets } from '../../local/services/kafka/topic';
import { auditDataBucket } from '../../local/stack/bucket-audit';
import { startLocalStack } from '../../local/stack/local-stack';
import { testLogLevel } from '../support/env';

describe('a local stack on a broker started from nothing', () => {
  // Handlers read their settings (the broker's address) once per module load, as on Lambda: a new broker
  // needs newly loaded handlers.
  beforeEach(() => {
    jest.resetModules();
  });

  // The first `npm run pipeline` on a fresh machine once failed with "not the leader for that topic-partition"
  // right after the broker started. The stack must be usable the moment it is returned, every time.
  it.each([1, 2, 3])('produces and lands at once after a cold start (run %i)', async () => {
    // As `npm run pipeline` starts it: SASL_SSL with SCRAM-SHA-512.
    const broker = await startBroker({ removeOnStop: true, security: 'sasl_ssl' });
    const { brokers, ...auth } = broker.connection;
    const stack = await startLocalStack({
      stage: 'dev',
      brokers,
      auth,
      batchingWindowMs: 200,
      functionLogLevel: testLogLevel(),
    }).catch(async (error: unknown) => {
      await broker.stop();
      throw error;
    });
    try {
      const before = await endOffsets(stack);
      const [mapping] = await stack.startMappings();
      const summary = (await stack.invoke('produceTicks', {
        symbols: ['AAPL', 'MSFT', 'KO'],
        time: '2026-11-20T15:01:00Z',
      })) as { published: number };
      const after = await endOffsets(stack);
      await mapping?.waitFor(after, 60_000);
      const audit = await auditDataBucket({
        client: stack.s3.client,
        bucket: stack.resources.DataBucket as string,
        layout: stack.layout,
      });
      expect([...before.values()]).toEqual([0n, 0n, 0n]);
      expect(summary.published).toBe(180);
      expect(audit).toMatchObject({ landed: 180, distinct: 180, quarantined: 0 });
      expect(mapping?.stats.failedInvocations).toBe(0);
    } finally {
      await stack.stop();
      await broker.stop();
    }
  });
});
