import { describe, expect, it } from '@jest/globals';
import { logLevel } from 'kafkajs';
import { createKafkaClient, kafkaLogCreator, LIMITED_RETRIES_WARNING } from '../../../../lib/kafka/client';
import { simulateTicks } from '../../../../lib/market/simulated/simulator';
import { resolveProfiles } from '../../../../lib/market/simulated/symbols';
import {
  chunk,
  createIdempotentProducer,
  createTickPublisher,
  KafkaUnavailableError,
  sendRetries,
  sendToEveryPartition,
  toTickMessages,
} from '../../../../lib/produce/publisher';
import { fakeProducer, testKafkaSettings } from '../../../fixtures/fake-producer';
import { sampleTick } from '../../../fixtures/ticks';

const MINUTE = Date.UTC(2026, 10, 20, 15, 0);
const ticks = simulateTicks({
  seed: 's',
  profiles: resolveProfiles(['AAPL', 'MSFT']),
  startMs: MINUTE,
  endMs: MINUTE + 600_000,
  ticksPerSecond: 1,
});

describe('toTickMessages', () => {
  it('keys each message by symbol, carries the tick as JSON and labels the schema and source', () => {
    const tick = sampleTick();
    expect(toTickMessages({ ticks: [tick], source: 'produce-ticks/burst' })).toEqual([
      {
        key: 'AAPL',
        value: JSON.stringify(tick),
        headers: { 'content-type': 'application/json', schema: 'tick.v1', source: 'produce-ticks/burst' },
      },
    ]);
  });
});

describe('chunk', () => {
  it('splits in order with a short last chunk', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
  it('rejects a size below one', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});

describe('tick publisher', () => {
  it('sends batches of batchSize in order, acks=all, to the configured topic', async () => {
    const { producer, calls } = fakeProducer();
    const publisher = createTickPublisher({
      settings: testKafkaSettings,
      createProducer: () => producer,
      batchSize: 500,
    });
    const result = await publisher.publish({ ticks, source: 'test' });
    expect(ticks).toHaveLength(1200);
    expect(result).toEqual({ published: 1200, sends: 3 });
    expect(calls.sends.map((send) => send.messages.length)).toEqual([500, 500, 200]);
    expect(calls.sends.every((send) => send.topic === 'stock-ticks' && send.acks === -1)).toBe(true);
    const sentValues = calls.sends.flatMap((send) => send.messages.map((message) => message.value));
    expect(sentValues).toEqual(ticks.map((tick) => JSON.stringify(tick)));
  });

  it('connects once and reuses the connection across invocations', async () => {
    const { producer, calls } = fakeProducer();
    const publisher = createTickPublisher({ settings: testKafkaSettings, createProducer: () => producer });
    await publisher.publish({ ticks: ticks.slice(0, 10), source: 'test' });
    await publisher.publish({ ticks: ticks.slice(10, 20), source: 'test' });
    expect(calls.connect).toBe(1);
    expect(calls.sends).toHaveLength(2);
  });

  it('neither connects nor sends for no ticks', async () => {
    const { producer, calls } = fakeProducer();
    const result = await createTickPublisher({
      settings: testKafkaSettings,
      createProducer: () => producer,
    }).publish({
      ticks: [],
      source: 't',
    });
    expect(result).toEqual({ published: 0, sends: 0 });
    expect(calls.connect).toBe(0);
  });

  it('fails a connect with an error naming the brokers, and connects afresh next time', async () => {
    const { producer, calls } = fakeProducer({ failConnect: 1 });
    const publisher = createTickPublisher({ settings: testKafkaSettings, createProducer: () => producer });
    const failure = publisher.publish({ ticks: ticks.slice(0, 5), source: 'test' });
    await expect(failure).rejects.toThrow(KafkaUnavailableError);
    await expect(failure).rejects.toThrow(
      'Kafka brokers 10.0.1.5:9092, 10.0.2.5:9092 could not be reached (connect): Connection error: connect ECONNREFUSED 10.0.1.5:9092',
    );
    expect(calls.sends).toHaveLength(0);
    await expect(publisher.publish({ ticks: ticks.slice(0, 5), source: 'test' })).resolves.toEqual({
      published: 5,
      sends: 1,
    });
    expect(calls.connect).toBe(2);
  });

  it('fails a send with an error naming brokers and topic, drops the connection, and reconnects next time', async () => {
    const { producer, calls } = fakeProducer({ failSend: 1 });
    const publisher = createTickPublisher({ settings: testKafkaSettings, createProducer: () => producer });
    await expect(publisher.publish({ ticks: ticks.slice(0, 5), source: 'test' })).rejects.toThrow(
      /could not be reached \(send to topic stock-ticks\): KafkaJSNumberOfRetriesExceeded/,
    );
    expect(calls.disconnect).toBe(1);
    await publisher.publish({ ticks: ticks.slice(0, 5), source: 'test' });
    expect(calls.connect).toBe(2);
  });

  it('disconnects only an open connection', async () => {
    const { producer, calls } = fakeProducer();
    const publisher = createTickPublisher({ settings: testKafkaSettings, createProducer: () => producer });
    await publisher.disconnect();
    expect(calls.disconnect).toBe(0);
    await publisher.publish({ ticks: ticks.slice(0, 1), source: 'test' });
    await publisher.disconnect();
    expect(calls.disconnect).toBe(1);
  });
});

describe('the idempotent producer and its send deadline', () => {
  it("counts a send's retries so that their longest waits fit in half the deadline", () => {
    // kafkajs' waits: 300 ms ±20%, then each ×2 ±20%, capped at 2 s.
    const longestWaits = (retries: number): number => {
      let total = 0;
      let longest = 360;
      for (let retry = 0; retry < retries; retry += 1) {
        total += longest;
        longest = Math.min(longest * 2.4, 2000);
      }
      return total;
    };
    for (const deadline of [30_000, 60_000, 300_000]) {
      const retries = sendRetries(deadline);
      expect(longestWaits(retries)).toBeLessThanOrEqual(deadline / 2);
      expect(longestWaits(retries + 1)).toBeGreaterThan(deadline / 2);
    }
    expect(sendRetries(30_000)).toBe(8);
    // kafkajs refuses an idempotent producer that may not retry.
    expect(sendRetries(50)).toBe(1);
  });

  it("keeps kafkajs' warning about counted retries at debug, and every other warning a warning", () => {
    const logged: { level: string; message: string }[] = [];
    const target = {
      error: (message: string) => logged.push({ level: 'error', message }),
      warn: (message: string) => logged.push({ level: 'warn', message }),
      info: () => undefined,
      debug: (message: string) => logged.push({ level: 'debug', message }),
    };
    createIdempotentProducer(createKafkaClient(testKafkaSettings, target), testKafkaSettings.sendTimeoutMs);
    expect(logged).toContainEqual({ level: 'debug', message: LIMITED_RETRIES_WARNING });
    expect(logged.filter((line) => line.level !== 'debug')).toEqual([]);
    kafkaLogCreator(target)()({
      namespace: 'Producer',
      level: logLevel.WARN,
      label: 'WARN',
      log: { timestamp: '', message: 'another warning' },
    });
    expect(logged).toContainEqual({ level: 'warn', message: 'another warning' });
  });

  it('fails a send that is still retrying at its deadline, naming the brokers, and drops the connection', async () => {
    const { producer, calls } = fakeProducer();
    producer.send = () => new Promise(() => undefined);
    const replacement = fakeProducer();
    const made = [producer, replacement.producer];
    const publisher = createTickPublisher({
      settings: { ...testKafkaSettings, sendTimeoutMs: 50 },
      createProducer: () => made.shift() ?? producer,
    });
    const failure = publisher.publish({ ticks: ticks.slice(0, 10), source: 'test' });
    await expect(failure).rejects.toThrow(KafkaUnavailableError);
    await expect(failure).rejects.toThrow(
      'Kafka brokers 10.0.1.5:9092, 10.0.2.5:9092 could not be reached (send to topic stock-ticks): no acknowledgement within 50 ms',
    );
    expect(calls.disconnect).toBe(1);
    // The next invocation gets a new client: the abandoned one may still be in its last attempt.
    await publisher.publish({ ticks: ticks.slice(0, 10), source: 'test' });
    expect(replacement.calls.sends).toHaveLength(1);
  });
});

describe('sendToEveryPartition', () => {
  const messages = ['AAPL', 'MSFT', 'KO', 'AAPL', 'KO'].map((key, index) => ({ key, value: String(index) }));
  const partitionOf = (message: { key?: unknown }) => ({ AAPL: 0, MSFT: 1, KO: 2 })[String(message.key)];
  const acknowledgement = (partition: number) => ({ topicName: 'stock-ticks', partition, errorCode: 0 });

  it("sends again only the messages of a partition the send's result left out, through the same producer", async () => {
    const sent: string[][] = [];
    // As kafkajs resolves after a leader moved to a broker that had already answered: partition 0 missing.
    const answers = [[acknowledgement(1), acknowledgement(2)], [acknowledgement(0)]];
    const producer = {
      send: async (record: { messages: { value: unknown }[] }) => {
        sent.push(record.messages.map((message) => String(message.value)));
        return answers.shift() ?? [];
      },
    };
    const result = await sendToEveryPartition(
      producer as never,
      { topic: 'stock-ticks', acks: -1, messages },
      partitionOf,
    );
    expect(sent).toEqual([
      ['0', '1', '2', '3', '4'],
      ['0', '3'],
    ]);
    expect(result.map((metadata) => metadata.partition).sort()).toEqual([0, 1, 2]);
  });

  it('fails naming the partitions still unacknowledged after the last round', async () => {
    const producer = { send: async () => [acknowledgement(1)] };
    await expect(
      sendToEveryPartition(producer as never, { topic: 'stock-ticks', acks: -1, messages }, partitionOf, 2),
    ).rejects.toThrow('partitions 0, 2 of topic stock-ticks were not acknowledged after 2 sends');
  });

  it('sends once when every partition answered', async () => {
    let sends = 0;
    const producer = {
      send: async () => {
        sends++;
        return [0, 1, 2].map(acknowledgement);
      },
    };
    await sendToEveryPartition(producer as never, { topic: 'stock-ticks', acks: -1, messages }, partitionOf);
    expect(sends).toBe(1);
  });
});
