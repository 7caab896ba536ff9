import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { alertMessage } from '../../../../lib/live/alert-message';
import {
  type AlertEvent,
  type AlertsState,
  DEFAULT_THRESHOLDS,
  emptyAlerts,
  evaluateAlerts,
  marketOpen,
} from '../../../../lib/live/alerts';
import { emptySnapshot, foldTicks } from '../../../../lib/live/snapshot';
import { sampleTick } from '../../../fixtures/ticks';
import { MINUTE, SYMBOLS, watchMinutes } from '../../../support/alert-clock';

/** A tick of a symbol at a time and price (its other fields plain), for hand-made snapshots. */
const quote = (tick: { symbol: string; timestamp: string; price: number }) =>
  sampleTick({ ...tick, bid: tick.price, ask: tick.price });

const T0 = Date.parse('2026-11-20T14:00:00.000Z');
const at = (minutes: number, seconds = 0) => new Date(T0 + minutes * MINUTE + seconds * 1000).toISOString();
const summary = (events: AlertEvent[]) =>
  events.map((event) => `${event.at.slice(11, 16)} ${event.change} ${event.episode.id}`);

describe('the alerts, judged each minute on the live snapshot', () => {
  it('raise exactly a halt and a jump: each opened once and resolved once, within 2 minutes', () => {
    const { events } = watchMinutes({
      symbols: SYMBOLS,
      startMs: T0,
      minutes: 30,
      anomalies: `halt:MSFT@${at(3)}..${at(12)},jump:AAPL@${at(20, 20)}:+5%`,
    });
    // MSFT's last tick is 14:02:59; it is 5 minutes silent at 14:07:59, judged at 14:08; it ticks from 14:12.
    expect(summary(events)).toEqual([
      '14:08 opened symbol-silent:MSFT',
      '14:13 resolved symbol-silent:MSFT',
      '14:21 opened price-jump:AAPL',
      '14:22 resolved price-jump:AAPL',
    ]);
  });

  it('raise one feed-stalled alert for a 3-minute freeze, not one per symbol, and resolve it once', () => {
    const { events } = watchMinutes({
      symbols: SYMBOLS,
      startMs: T0,
      minutes: 15,
      stalled: (minute) => minute >= 5 && minute < 8,
    });
    expect(summary(events)).toEqual(['14:08 opened feed-stalled', '14:09 resolved feed-stalled']);
  });

  it('raise nothing over a simulated full day of 20 symbols without injections', async () => {
    // In a process of its own: jest's module sandbox makes the simulator many times slower than plain Node.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'test/support/alert-clock.ts', '2026-11-20'],
      { cwd: resolve(__dirname, '../../../..'), timeout: 100_000 },
    );
    const { minutes, ticks, falsePositives } = JSON.parse(stdout) as {
      minutes: number;
      ticks: number;
      falsePositives: string[];
    };
    expect([minutes, ticks]).toEqual([1440, 1440 * 60 * 20]);
    // Printed, so a change to the thresholds or the simulator that makes any shows what they were.
    if (falsePositives.length > 0) process.stdout.write(`false positives:\n${falsePositives.join('\n')}\n`);
    expect(falsePositives).toEqual([]);
  }, 120_000);

  it('send nothing more while an episode lasts, and nothing for a late or repeated evaluation', () => {
    const stale = foldTicks(
      emptySnapshot(),
      [
        { symbol: 'AAPL', timestamp: at(0), price: 10 },
        { symbol: 'MSFT', timestamp: at(10), price: 20 },
      ].map(quote),
      at(10, 5),
    ).snapshot;
    const judge = (state: AlertsState, minutes: number) =>
      evaluateAlerts({
        state,
        snapshot: stale,
        nowMs: T0 + minutes * MINUTE,
        thresholds: DEFAULT_THRESHOLDS,
        isOpen: () => true,
      });
    const first = judge(emptyAlerts(), 11);
    expect(first.events.map((event) => event.episode.id)).toEqual(['symbol-silent:AAPL']);
    expect(judge(first.state, 11).events).toEqual([]);
    expect(judge(first.state, 12).events).toEqual([]);
    expect(judge(first.state, 10).state).toBe(first.state);
  });

  it('count silence only while the market is open, on the feed’s own clock', () => {
    const snapshot = foldTicks(
      emptySnapshot(),
      [
        { symbol: 'AAPL', timestamp: '2026-11-20T21:50:00.000Z', price: 10 },
        { symbol: 'MSFT', timestamp: '2026-11-20T22:30:00.000Z', price: 20 },
      ].map(quote),
      '2026-11-20T22:30:05.000Z',
    ).snapshot;
    // 21:50 UTC is 16:50 New York: the US session has closed; always-open counts it.
    const judge = (hours: 'us' | 'always') =>
      evaluateAlerts({
        state: emptyAlerts(),
        snapshot,
        nowMs: Date.parse('2026-11-20T22:31:00.000Z'),
        thresholds: DEFAULT_THRESHOLDS,
        isOpen: marketOpen(hours),
      });
    expect(judge('us').events).toEqual([]);
    expect(judge('always').events.map((event) => event.episode.id)).toEqual(['symbol-silent:AAPL']);
  });
});

describe('an alert as an email', () => {
  it('says what happened, to which symbol, since when, the last price and the command to look', () => {
    const { events } = watchMinutes({
      symbols: SYMBOLS,
      startMs: T0,
      minutes: 14,
      anomalies: `halt:MSFT@${at(3)}..${at(12)}`,
    });
    const [opened, resolved] = events;
    const message = alertMessage(opened as AlertEvent, 'prod');
    expect(message.subject).toBe('tickstream prod: MSFT silent');
    expect(message.body).toContain('OPENED: MSFT has had no tick since 14:02:59 UTC (5 minutes)');
    expect(message.body).toContain('Since:      2026-11-20T14:02:59.000Z');
    expect(message.body).toMatch(/Last price: \d+\.\d+/);
    expect(message.body).toContain('Look:       tickstream live --stage prod');
    const done = alertMessage(resolved as AlertEvent, 'prod');
    expect(done.subject).toBe('tickstream prod: MSFT trading again (resolved)');
    expect(done.body).toContain('RESOLVED: MSFT ticks again (last at 14:12:59 UTC).');
    expect(done.body).toContain('(after 5 minute(s))');
  });
});
