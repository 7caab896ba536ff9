import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import type { ProducerRecord } from 'kafkajs';
import { restoreStubbedEnv, stubEnv, testLogLevel } from '../../support/env';

// The handler builds its kafkajs producer at module load; this stands in for the broker.
const mockKafka = {
  sends: [] as ProducerRecord[],
  connects: 0,
  disconnects: 0,
  options: [] as unknown[],
};
jest.mock('kafkajs', () => {
  const actual = jest.requireActual<typeof import('kafkajs')>('kafkajs');
  class FakeKafka {
    constructor(options: unknown) {
      mockKafka.options.push(options);
    }
    producer() {
      return {
        connect: async () => {
          mockKafka.connects++;
        },
        send: async (record: ProducerRecord) => {
          mockKafka.sends.push(record);
          return [];
        },
        disconnect: async () => {
          mockKafka.disconnects++;
        },
      };
    }
  }
  return { ...actual, Kafka: FakeKafka };
});

const context = {
  functionName: 'produceTicks',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as Context;
const environment = {
  KAFKA_BROKERS: '10.0.1.5:9092',
  KAFKA_TOPIC: 'stock-ticks',
  SIMULATION_SEED: 'unit',
  POWERTOOLS_LOG_LEVEL: testLogLevel(),
};

describe('produceTicks handler', () => {
  beforeEach(() => {
    jest.resetModules();
    mockKafka.sends.length = 0;
    mockKafka.connects = 0;
    mockKafka.disconnects = 0;
    mockKafka.options.length = 0;
  });
  afterEach(() => {
    restoreStubbedEnv();
  });

  async function loadHandler(env: Record<string, string>) {
    for (const [name, value] of Object.entries(env)) stubEnv(name, value);
    return (await import('../../../functions/produce-ticks')).handler;
  }

  it('publishes the scheduled minute for the event symbols and returns the summary', async () => {
    const handler = await loadHandler(environment);
    const summary = await handler(
      {
        group: 'tech',
        symbols: ['AAPL', 'MSFT'],
        ticksPerSecond: 1,
        mode: 'burst',
        time: '2026-11-20T15:01:00Z',
      },
      context,
    );
    expect(summary).toMatchObject({
      published: 120,
      topic: 'stock-ticks',
      firstTimestamp: '2026-11-20T15:00:00.000Z',
    });
    expect(mockKafka.sends.flatMap((send) => send.messages)).toHaveLength(120);
    expect(mockKafka.options[0]).toMatchObject({ brokers: ['10.0.1.5:9092'], retry: { retries: 3 } });
    // On Lambda the connection is kept warm for the next invocation.
    expect(mockKafka.disconnects).toBe(0);
  });

  it('rejects an invalid event with a clear error and publishes nothing', async () => {
    const handler = await loadHandler(environment);
    await expect(handler({ symbols: [], colour: 'red' }, context)).rejects.toThrow(
      /invalid produceTicks request: .*symbols must list at least one symbol/,
    );
    expect(mockKafka.connects).toBe(0);
    expect(mockKafka.sends).toHaveLength(0);
  });

  it('closes the connection after each invocation under sls invoke local', async () => {
    const handler = await loadHandler({ ...environment, IS_LOCAL: 'true' });
    await handler({ symbols: ['AAPL'], time: '2026-11-20T15:01:00Z' }, context);
    expect(mockKafka.disconnects).toBe(1);
  });

  it('fails at start-up naming a missing setting', async () => {
    stubEnv('KAFKA_BROKERS', '');
    await expect(loadHandler({ KAFKA_TOPIC: 'stock-ticks', SIMULATION_SEED: 'unit' })).rejects.toThrow(
      'invalid configuration: KAFKA_BROKERS is required but not set',
    );
  });
});
