import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Tick } from '../../lib/contract/tick';
import { simulateTicks } from '../../lib/market/simulated/simulator';
import { resolveProfiles } from '../../lib/market/simulated/symbols';
import { firingsBetween, localSchedules } from '../../local/aws/schedules';
import { endOffsets, readBetween } from '../../local/services/kafka/topic';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { testBrokers, testKafkaAuth, testLogLevel } from '../support/env';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    stage: 'dev',
    brokers: testBrokers(),
    auth: testKafkaAuth(),
    functionLogLevel: testLogLevel(),
    // A topic of its own on the shared broker; the stack's other settings stay serverless.yml's.
    topic: `local-stack-${randomUUID()}`,
  });
});
afterAll(async () => {
  await stack.stop();
});

async function publishedBy(run: () => Promise<unknown>): Promise<Tick[]> {
  const before = await endOffsets(stack);
  await run();
  const after = await endOffsets(stack);
  const messages = await readBetween({ ...stack, from: before, to: after });
  return messages.map(({ message }) => JSON.parse(String(message.value)) as Tick);
}

const bySymbolAndTime = (a: Tick, b: Tick) =>
  a.timestamp.localeCompare(b.timestamp) || a.symbol.localeCompare(b.symbol);

describe('the real handlers on the local stack', () => {
  it('produceTicks publishes what the schedule asks for, and the same again when the minute is re-run', async () => {
    const event = { symbols: ['AAPL', 'KO'], time: '2026-11-20T15:01:00Z' };
    const first = await publishedBy(() => stack.invoke('produceTicks', event));
    const expected = simulateTicks({
      seed: 'tickstream-v1',
      profiles: resolveProfiles(['AAPL', 'KO']),
      startMs: Date.parse('2026-11-20T15:00:00Z'),
      endMs: Date.parse('2026-11-20T15:01:00Z'),
      ticksPerSecond: 1,
    });
    expect([...first].sort(bySymbolAndTime)).toEqual([...expected].sort(bySymbolAndTime));
    const rerun = await publishedBy(() => stack.invoke('produceTicks', event));
    expect([...rerun].sort(bySymbolAndTime)).toEqual([...first].sort(bySymbolAndTime));
  });

  it('runs the schedules of serverless.yml: every firing publishes its group', async () => {
    const schedules = localSchedules(stack.config).filter((s) => s.functionName === 'produceTicks');
    const start = Date.parse('2026-11-20T16:00:00Z');
    const firings = firingsBetween({ schedules, startMs: start, endMs: start + 2 * 60_000 });
    expect(firings).toHaveLength(2 * schedules.length);
    const ticks = await publishedBy(async () => {
      for (const { time, schedule } of firings)
        await stack.invoke(schedule.functionName, schedule.eventAt(time));
    });
    const groups = schedules.map((s) => (s.eventAt(new Date(start)) as { symbols: string[] }).symbols);
    expect(ticks).toHaveLength(groups.flat().length * 60 * 2);
    expect(new Set(ticks.map((tick) => tick.symbol))).toEqual(new Set(groups.flat()));
  });

  it('backfillHistory publishes a deterministic range', async () => {
    const event = { symbols: ['MSFT'], from: '2025-06-02', to: '2025-06-03', intervalSeconds: 600 };
    const ticks = await publishedBy(() => stack.invoke('backfillHistory', event));
    expect(ticks).toHaveLength(144);
    const again = await publishedBy(() => stack.invoke('backfillHistory', event));
    expect(again.sort(bySymbolAndTime)).toEqual(ticks.sort(bySymbolAndTime));
  });

  it('rejects an invalid event before publishing anything', async () => {
    const ticks = await publishedBy(() =>
      expect(stack.invoke('produceTicks', { symbols: ['AAPL'], ticksPerSecond: 1000 })).rejects.toThrow(
        /ticksPerSecond must be <= 20/,
      ),
    );
    expect(ticks).toHaveLength(0);
  });
});
