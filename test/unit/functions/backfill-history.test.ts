import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import type { ProducerRecord } from 'kafkajs';
import { stubEnv, testLogLevel } from '../../support/env';

const mockKafka = { sends: [] as ProducerRecord[] };
jest.mock('kafkajs', () => {
  const actual = jest.requireActual<typeof import('kafkajs')>('kafkajs');
  class FakeKafka {
    producer() {
      return {
        connect: async () => undefined,
        send: async (record: ProducerRecord) => {
          mockKafka.sends.push(record);
          return [];
        },
        disconnect: async () => undefined,
      };
    }
  }
  return { ...actual, Kafka: FakeKafka };
});

const context = {
  functionName: 'backfillHistory',
  awsRequestId: 'req-2',
  getRemainingTimeInMillis: () => 900_000,
} as Context;

describe('backfillHistory handler', () => {
  beforeEach(() => {
    mockKafka.sends.length = 0;
    stubEnv('KAFKA_BROKERS', '10.0.1.5:9092');
    stubEnv('KAFKA_TOPIC', 'stock-ticks');
    stubEnv('SIMULATION_SEED', 'unit');
    stubEnv('POWERTOOLS_LOG_LEVEL', testLogLevel());
  });

  it('publishes the requested range and returns its summary', async () => {
    const { handler } = await import('../../../functions/backfill-history');
    const summary = await handler(
      { symbols: ['AAPL'], from: '2025-03-03', to: '2025-03-04', intervalSeconds: 300 },
      context,
    );
    expect(summary).toMatchObject({
      published: 288,
      source: 'simulated',
      lastTimestamp: '2025-03-03T23:55:00.000Z',
    });
    expect(mockKafka.sends.flatMap((send) => send.messages)).toHaveLength(288);
  });

  it('rejects a reversed range and publishes nothing', async () => {
    const { handler } = await import('../../../functions/backfill-history');
    await expect(
      handler({ symbols: ['AAPL'], from: '2025-03-04', to: '2025-03-03' }, context),
    ).rejects.toThrow('invalid backfillHistory request: to: from must be before to');
    expect(mockKafka.sends).toHaveLength(0);
  });
});
