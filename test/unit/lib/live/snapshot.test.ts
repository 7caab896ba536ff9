import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Tick } from '../../../../lib/contract/tick';
import { emptySnapshot, foldTicks, MINUTE_CLOSES_KEPT, parseSnapshot } from '../../../../lib/live/snapshot';
import { sampleTick } from '../../../fixtures/ticks';

const at = (iso: string, price: number, overrides: Partial<Record<keyof Tick, unknown>> = {}) =>
  sampleTick({ timestamp: iso, price, bid: price, ask: price, volume: 100, ...overrides });
const LANDED = '2026-11-20T15:01:10.000Z';

describe('folding landed ticks into the live snapshot', () => {
  it('keeps each symbol’s last price, tick time, the day’s open, high, low, volume and minute closes', () => {
    const { snapshot, applied } = foldTicks(
      emptySnapshot(),
      [
        at('2026-11-20T15:00:01.000Z', 10),
        at('2026-11-20T15:00:30.000Z', 12),
        at('2026-11-20T15:00:59.000Z', 9),
        at('2026-11-20T15:01:05.000Z', 11, { bid: 10.99, ask: 11.01 }),
        at('2026-11-20T15:00:02.000Z', 50, { symbol: 'MSFT' }),
      ],
      LANDED,
    );
    expect(applied).toBe(5);
    expect(snapshot.updatedAt).toBe(LANDED);
    expect(snapshot.newestTick).toBe('2026-11-20T15:01:05.000Z');
    const minute = Date.parse('2026-11-20T15:00:00.000Z') / 60_000;
    expect(snapshot.symbols.AAPL).toEqual({
      symbol: 'AAPL',
      exchange: 'NASDAQ',
      day: '2026-11-20',
      last: 11,
      bid: 10.99,
      ask: 11.01,
      tickTime: '2026-11-20T15:01:05.000Z',
      landedAt: LANDED,
      open: 10,
      high: 12,
      low: 9,
      volume: 400,
      ticks: 4,
      closes: [
        [minute, 9],
        [minute + 1, 11],
      ],
    });
    expect(snapshot.symbols.MSFT?.last).toBe(50);
  });

  it('orders a batch’s ticks by time itself: the open is the earliest tick, the last the latest', () => {
    const { snapshot } = foldTicks(
      emptySnapshot(),
      [at('2026-11-20T15:00:30.000Z', 12), at('2026-11-20T15:00:01.000Z', 10)],
      LANDED,
    );
    expect(snapshot.symbols.AAPL).toMatchObject({ open: 10, last: 12, tickTime: '2026-11-20T15:00:30.000Z' });
  });

  it('leaves the snapshot as it was (the same object) for a re-delivered batch or an older tick', () => {
    const ticks = [at('2026-11-20T15:00:01.000Z', 10), at('2026-11-20T15:00:30.000Z', 12)];
    const first = foldTicks(emptySnapshot(), ticks, LANDED).snapshot;
    const again = foldTicks(first, ticks, '2026-11-20T15:05:00.000Z');
    expect(again.applied).toBe(0);
    expect(again.snapshot).toBe(first);
    const late = foldTicks(first, [at('2026-11-20T15:00:20.000Z', 99)], '2026-11-20T15:05:00.000Z');
    expect(late.applied).toBe(0);
    expect(late.snapshot.symbols.AAPL?.high).toBe(12);
  });

  it('does not change the snapshot it was given', () => {
    const first = foldTicks(emptySnapshot(), [at('2026-11-20T15:00:01.000Z', 10)], LANDED).snapshot;
    const copy = JSON.stringify(first);
    foldTicks(first, [at('2026-11-20T15:00:05.000Z', 20), at('2026-11-20T15:01:05.000Z', 21)], LANDED);
    expect(JSON.stringify(first)).toBe(copy);
  });

  it('starts a symbol’s day again at UTC midnight, keeping its recent closes', () => {
    const before = foldTicks(emptySnapshot(), [at('2026-11-20T23:59:59.000Z', 10)], LANDED).snapshot;
    const { snapshot } = foldTicks(before, [at('2026-11-21T00:00:00.000Z', 11)], LANDED);
    expect(snapshot.symbols.AAPL).toMatchObject({
      day: '2026-11-21',
      open: 11,
      high: 11,
      low: 11,
      volume: 100,
      ticks: 1,
    });
    expect(snapshot.symbols.AAPL?.closes.map(([, close]) => close)).toEqual([10, 11]);
  });

  it(`keeps the last ${MINUTE_CLOSES_KEPT} minute closes`, () => {
    const ticks = Array.from({ length: 30 }, (_, minute) =>
      at(new Date(Date.parse('2026-11-20T15:00:00.000Z') + minute * 60_000).toISOString(), 100 + minute),
    );
    const closes = foldTicks(emptySnapshot(), ticks, LANDED).snapshot.symbols.AAPL?.closes ?? [];
    expect(closes).toHaveLength(MINUTE_CLOSES_KEPT);
    expect(closes.at(-1)?.[1]).toBe(129);
    expect(closes[0]?.[1]).toBe(130 - MINUTE_CLOSES_KEPT);
  });

  it('keeps a source’s missing volume and order book as null (tick.v2)', () => {
    const { snapshot } = foldTicks(
      emptySnapshot(),
      [at('2026-11-20T15:00:01.000Z', 10, { volume: null, bid: null, ask: null, market_cap: null })],
      LANDED,
    );
    expect(snapshot.symbols.AAPL).toMatchObject({ volume: null, bid: null, ask: null });
  });

  it('gives the same snapshot for the same ticks in any batches, any order, any re-deliveries', () => {
    // Across UTC midnight, so that batches start a day again on the way.
    const base = Date.parse('2026-11-20T23:58:00.000Z');
    const ticks = Array.from({ length: 40 }, (_, i) =>
      at(new Date(base + i * 7_000).toISOString(), 100 + ((i * 37) % 11), {
        symbol: ['AAPL', 'MSFT', 'KO'][i % 3],
        volume: i,
      }),
    );
    const once = foldTicks(emptySnapshot(), ticks, LANDED).snapshot;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: ticks.length - 1 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        (repeats, batches, reversed) => {
          // Per symbol in topic order (one key, one partition), with records delivered again anywhere after.
          const delivered = [...ticks, ...repeats.map((index) => ticks[index] as Tick)];
          let snapshot = emptySnapshot();
          const size = Math.ceil(ticks.length / batches);
          for (let start = 0; start < delivered.length; start += size) {
            const batch = delivered.slice(start, start + size);
            if (reversed) batch.reverse();
            snapshot = foldTicks(snapshot, batch, LANDED).snapshot;
          }
          expect(snapshot).toEqual(once);
        },
      ),
    );
  });

  it('refuses a stored object that is not a snapshot of this version', () => {
    expect(() => parseSnapshot('{"version":2,"symbols":{}}')).toThrow(/not a version 1 live snapshot/);
    expect(parseSnapshot(JSON.stringify(emptySnapshot()))).toEqual(emptySnapshot());
  });
});
