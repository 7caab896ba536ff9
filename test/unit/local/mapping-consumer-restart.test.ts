import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Kafka } from 'kafkajs';
import {
  type LocalEventSourceMapping,
  type MappingSettings,
  startEventSourceMapping,
} from '../../../local/aws/event-source-mapping';

// Which way kafkajs recovers from a stall longer than the session timeout depends on where its consumer was when
// the group dropped it (mid-batch: it stops the consumer for good; between fetches: it rejoins by itself), so the
// broker-stall integration test cannot choose the path. These tests drive each path on purpose, through a fake
// client injected in place of kafkajs's. The event names are kafkajs's own.
const consumerEvents = new Kafka({ clientId: 'events', brokers: ['127.0.0.1:1'] }).consumer({
  groupId: 'events',
}).events;

type Listener = (event: { payload: Record<string, unknown> }) => void;

class FakeConsumer {
  readonly events = consumerEvents;
  readonly calls: string[] = [];
  private readonly listeners = new Map<string, Listener[]>();

  constructor(private readonly failConnect: boolean) {}

  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return () => undefined;
  }
  emit(event: string, payload: Record<string, unknown>) {
    for (const listener of this.listeners.get(event) ?? []) listener({ payload });
  }
  async connect() {
    this.calls.push('connect');
    if (this.failConnect) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  }
  async subscribe(subscription: { topic: string; fromBeginning: boolean }) {
    this.calls.push(`subscribe ${subscription.topic} from beginning: ${subscription.fromBeginning}`);
  }
  async run() {
    this.calls.push('run');
    this.emit(this.events.GROUP_JOIN, {});
  }
  seek(position: { topic: string; partition: number; offset: string }) {
    this.calls.push(`seek ${position.topic} ${position.partition} to ${position.offset}`);
  }
  async disconnect() {
    this.calls.push('disconnect');
  }
}

/** A client whose consumers are fakes; `failingConnects` consumers after the first cannot connect. */
function fakeKafka(failingConnects = 0) {
  const consumers: FakeConsumer[] = [];
  const kafka = {
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchOffsets: async () => [{ topic: 'ticks', partitions: [{ partition: 0, offset: '40' }] }],
    }),
    consumer: () => {
      const failConnect = consumers.length > 0 && consumers.length <= failingConnects;
      const consumer = new FakeConsumer(failConnect);
      consumers.push(consumer);
      return consumer;
    },
  };
  return { kafka: kafka as unknown as Pick<Kafka, 'admin' | 'consumer'>, consumers };
}

const settings: MappingSettings = {
  brokers: ['127.0.0.1:9092'],
  topic: 'ticks',
  consumerGroupId: 'tickstream-landTicks',
  batchSize: 100,
  batchingWindowMs: 200,
  startingPosition: 'TRIM_HORIZON',
  maxAttempts: 3,
};

const coordinatorLostMember = new Error('The coordinator is not aware of this member');

describe("the local mapping when kafkajs's consumer stops", () => {
  let mapping: LocalEventSourceMapping | undefined;
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(async () => {
    await mapping?.stop();
    mapping = undefined;
    jest.useRealTimers();
  });

  /** Starts the mapping on a fake client (`failingConnects` as in fakeKafka); the first consumer is running. */
  const startWithFakeClient = async (failingConnects = 0) => {
    const { kafka, consumers } = fakeKafka(failingConnects);
    const logged: string[] = [];
    mapping = await startEventSourceMapping({
      settings,
      handler: async () => undefined,
      kafka,
      log: (line) => logged.push(line),
    });
    return { running: mapping, consumers, first: consumers[0] as FakeConsumer, logged };
  };

  it('starts a new consumer on the same topic a second later when kafkajs stopped its own for good, and says why', async () => {
    const { running, consumers, first, logged } = await startWithFakeClient();

    first.emit(first.events.CRASH, { error: coordinatorLostMember, restart: false });
    await jest.advanceTimersByTimeAsync(999);
    expect(consumers).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);

    expect(consumers).toHaveLength(2);
    expect(first.calls).toEqual([
      'connect',
      'subscribe ticks from beginning: true',
      'run',
      'seek ticks 0 to 40',
      'disconnect',
    ]);
    expect(consumers[1]?.calls).toEqual([
      'connect',
      'subscribe ticks from beginning: true',
      'run',
      'seek ticks 0 to 40',
    ]);
    expect(logged).toEqual([
      'mapping ticks: its consumer stopped (The coordinator is not aware of this member); starting a new one',
    ]);
    // It resumes from the group's committed offsets, which the mapping read when it started.
    expect(running.committed()).toEqual(new Map([[0, 40n]]));
  });

  it('leaves the restart to kafkajs when kafkajs restarts its consumer itself', async () => {
    const { consumers, first, logged } = await startWithFakeClient();

    first.emit(first.events.CRASH, { error: new Error('Request Fetch timed out'), restart: true });
    await jest.advanceTimersByTimeAsync(30_000);

    expect(consumers).toHaveLength(1);
    expect(first.calls).toEqual([
      'connect',
      'subscribe ticks from beginning: true',
      'run',
      'seek ticks 0 to 40',
    ]);
    expect(logged).toEqual([]);
  });

  it('waits 1 s, then 2 s, then 4 s while new consumers cannot connect, and 1 s again after one joined its group', async () => {
    const { consumers, first } = await startWithFakeClient(2);
    first.emit(first.events.CRASH, { error: coordinatorLostMember, restart: false });

    const startedAt: number[] = [];
    const start = Date.now();
    for (let elapsed = 0; elapsed < 8000 && consumers.length < 4; elapsed += 100) {
      const before = consumers.length;
      await jest.advanceTimersByTimeAsync(100);
      if (consumers.length > before) startedAt.push(Date.now() - start);
    }
    // Consumers 2 and 3 fail to connect; consumer 4 joins.
    expect(startedAt).toEqual([1000, 3000, 7000]);
    expect(consumers[3]?.calls).toEqual([
      'connect',
      'subscribe ticks from beginning: true',
      'run',
      'seek ticks 0 to 40',
    ]);

    const fourth = consumers[3] as FakeConsumer;
    fourth.emit(fourth.events.CRASH, { error: coordinatorLostMember, restart: false });
    await jest.advanceTimersByTimeAsync(1000);
    expect(consumers).toHaveLength(5);
  });

  it('names the last request the broker never answered when the run cannot finish', async () => {
    const { running, first } = await startWithFakeClient();
    first.emit(first.events.REQUEST_TIMEOUT, {
      apiName: 'Fetch',
      broker: '127.0.0.1:9092',
      pendingDuration: 30_012,
    });

    const waiting = running.waitFor(new Map([[0, 41n]]), 5000);
    const settled = expect(waiting).rejects.toThrow(
      "the mapping did not reach the target offsets within 5000 ms (its consumer's last error: Fetch request to 127.0.0.1:9092 timed out after 30012 ms)",
    );
    await jest.advanceTimersByTimeAsync(5000);
    await settled;
  });

  it('does not start a new consumer once stopped while waiting to restart one', async () => {
    const { running, consumers, first } = await startWithFakeClient();
    first.emit(first.events.CRASH, { error: coordinatorLostMember, restart: false });

    await running.stop();
    await jest.advanceTimersByTimeAsync(30_000);

    expect(consumers).toHaveLength(1);
  });
});
