import { describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { createBackfillHistory } from '../../../functions/factories/backfill-history';
import { loadProducerConfig } from '../../../lib/produce/config';
import { createLogger } from '../../../lib/shared/observability';
import { fakeProducer } from '../../fixtures/fake-producer';
import { testLogLevel } from '../../support/env';

const context = {
  functionName: 'backfillHistory',
  awsRequestId: 'req-2',
  getRemainingTimeInMillis: () => 900_000,
} as Context;

/** The function built from its environment, its Kafka producer an in-memory fake. */
function build() {
  const { producer, calls } = fakeProducer();
  const config = loadProducerConfig({
    KAFKA_BROKERS: '10.0.1.5:9092',
    KAFKA_TOPIC: 'stock-ticks',
    SIMULATION_SEED: 'unit',
  });
  const { handler } = createBackfillHistory(config, {
    logger: createLogger('backfill-history', { logLevel: testLogLevel() }),
    createProducer: () => producer,
  });
  return { handler, calls };
}

describe('backfillHistory handler', () => {
  it('publishes the requested range and returns its summary', async () => {
    const { handler, calls } = build();
    const summary = await handler(
      { symbols: ['AAPL'], from: '2025-03-03', to: '2025-03-04', intervalSeconds: 300 },
      context,
    );
    expect(summary).toMatchObject({
      published: 288,
      source: 'simulated',
      lastTimestamp: '2025-03-03T23:55:00.000Z',
    });
    expect(calls.sends.flatMap((send) => send.messages)).toHaveLength(288);
  });

  it('rejects a reversed range and publishes nothing', async () => {
    const { handler, calls } = build();
    await expect(
      handler({ symbols: ['AAPL'], from: '2025-03-04', to: '2025-03-03' }, context),
    ).rejects.toThrow('invalid backfillHistory request: to: from must be before to');
    expect(calls.sends).toHaveLength(0);
    expect(calls.connect).toBe(0);
  });
});
