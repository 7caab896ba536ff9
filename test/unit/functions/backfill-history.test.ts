import type { Context } from 'aws-lambda';
import type { ProducerRecord } from 'kafkajs';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const kafka = vi.hoisted(() => ({ sends: [] as ProducerRecord[] }));
vi.mock('kafkajs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('kafkajs')>();
  class FakeKafka {
    producer() {
      return {
        connect: async () => undefined,
        send: async (record: ProducerRecord) => {
          kafka.sends.push(record);
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
    kafka.sends.length = 0;
    vi.stubEnv('KAFKA_BROKERS', '10.0.1.5:9092');
    vi.stubEnv('KAFKA_TOPIC', 'stock-ticks');
    vi.stubEnv('SIMULATION_SEED', 'unit');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
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
    expect(kafka.sends.flatMap((send) => send.messages)).toHaveLength(288);
  });

  it('rejects a reversed range and publishes nothing', async () => {
    const { handler } = await import('../../../functions/backfill-history');
    await expect(
      handler({ symbols: ['AAPL'], from: '2025-03-04', to: '2025-03-03' }, context),
    ).rejects.toThrow('invalid backfillHistory request: to: from must be before to');
    expect(kafka.sends).toHaveLength(0);
  });
});
