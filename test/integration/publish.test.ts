import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Tick } from '../../lib/contract/tick';
import type { KafkaSettings } from '../../lib/kafka/settings';
import { simulateTicks } from '../../lib/market/simulated/simulator';
import { resolveProfiles } from '../../lib/market/simulated/symbols';
import { createTickPublisher, KafkaUnavailableError, type TickPublisher } from '../../lib/produce/publisher';
import { ensureTopic } from '../../local/services/kafka/readiness';
import { endOffsets, readBetween } from '../../local/services/kafka/topic';
import { freePort } from '../../local/support/processes';
import { testBrokers, testKafkaAuth } from '../support/env';

const brokers = testBrokers();
const auth = testKafkaAuth();
const settings = (topic: string): KafkaSettings => ({
  brokers,
  ...auth,
  topic,
  clientId: 'integration',
  connectionTimeoutMs: 3000,
  requestTimeoutMs: 30_000,
  sendTimeoutMs: 30_000,
  retries: 3,
});
const publishers: TickPublisher[] = [];

afterAll(async () => {
  for (const publisher of publishers) await publisher.disconnect();
});

describe('publishing through a real Kafka broker', () => {
  it('delivers exactly the published ticks, keyed by symbol, each symbol in order in one partition', async () => {
    const topic = `ticks-${randomUUID()}`;
    await ensureTopic({ brokers, auth, topic, partitions: 3 });
    const publisher = createTickPublisher({ settings: settings(topic), batchSize: 250 });
    publishers.push(publisher);
    const start = Date.UTC(2026, 10, 20, 15, 0);
    const ticks = simulateTicks({
      seed: 'integration',
      profiles: resolveProfiles(['AAPL', 'MSFT', 'KO', 'JPM', 'TSLA']),
      startMs: start,
      endMs: start + 120_000,
      ticksPerSecond: 2,
    });
    const before = await endOffsets({ brokers, auth, topic });
    await expect(publisher.publish({ ticks, source: 'integration' })).resolves.toEqual({
      published: 1200,
      sends: 5,
    });
    const after = await endOffsets({ brokers, auth, topic });
    const messages = await readBetween({ brokers, auth, topic, from: before, to: after });

    expect(messages).toHaveLength(ticks.length);
    const received = messages.map(({ message }) => JSON.parse(String(message.value)) as Tick);
    const byKey = (tick: Tick) => `${tick.symbol}@${tick.timestamp}`;
    expect(received.map(byKey).sort()).toEqual(ticks.map(byKey).sort());
    expect(new Map(received.map((tick) => [byKey(tick), tick]))).toEqual(
      new Map(ticks.map((tick) => [byKey(tick), tick])),
    );

    for (const { message } of messages) {
      expect(String(message.key)).toBe((JSON.parse(String(message.value)) as Tick).symbol);
      expect(String(message.headers?.schema)).toBe('tick.v1');
    }
    for (const symbol of ['AAPL', 'MSFT', 'KO', 'JPM', 'TSLA']) {
      const ofSymbol = messages
        .filter(({ message }) => String(message.key) === symbol)
        .sort((a, b) => (a.offset < b.offset ? -1 : 1));
      expect(new Set(ofSymbol.map(({ partition }) => partition)).size).toBe(1);
      const sequence = ofSymbol.map(({ message }) => (JSON.parse(String(message.value)) as Tick).seq);
      expect(sequence).toEqual(ticks.filter((tick) => tick.symbol === symbol).map((tick) => tick.seq));
    }
  });

  it('fails with an error naming the broker when nothing listens there, within the retry budget', async () => {
    const deadBroker = `127.0.0.1:${await freePort()}`;
    const publisher = createTickPublisher({
      settings: { ...settings('stock-ticks'), brokers: [deadBroker], connectionTimeoutMs: 500, retries: 2 },
    });
    const ticks = simulateTicks({
      seed: 's',
      profiles: resolveProfiles(['AAPL']),
      startMs: 0,
      endMs: 1000,
      ticksPerSecond: 1,
    });
    const started = Date.now();
    const failure = publisher.publish({ ticks, source: 'integration' });
    await expect(failure).rejects.toThrow(KafkaUnavailableError);
    await expect(failure).rejects.toThrow(`Kafka brokers ${deadBroker} could not be reached (connect)`);
    // 3 attempts of at most 500 ms with backoff capped at 2 s stay well inside 15 s.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('fails a send to a topic that does not exist instead of creating it', async () => {
    const publisher = createTickPublisher({
      settings: { ...settings(`missing-${randomUUID()}`), retries: 1 },
    });
    publishers.push(publisher);
    const ticks = simulateTicks({
      seed: 's',
      profiles: resolveProfiles(['AAPL']),
      startMs: 0,
      endMs: 1000,
      ticksPerSecond: 1,
    });
    // kafkajs counts the send's retries (sendRetries), so the send ends by itself before the publisher's
    // deadline, with the broker's own answer, and leaves nothing retrying behind it.
    await expect(publisher.publish({ ticks, source: 'integration' })).rejects.toThrow(
      /send to topic missing-.*: This server does not host this topic-partition/,
    );
  });
});
