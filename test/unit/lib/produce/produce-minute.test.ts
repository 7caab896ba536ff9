import { describe, expect, it, jest } from '@jest/globals';
import { MarketThrottledError } from '../../../../lib/market/errors';
import { simulatedLiveSource } from '../../../../lib/market/simulated/source';
import { UnknownSymbolError } from '../../../../lib/market/simulated/symbols';
import type { LiveSource } from '../../../../lib/market/source';
import {
  minuteWindow,
  ProduceTicksRequestSchema,
  produceMinute,
} from '../../../../lib/produce/produce-minute';
import { createTickPublisher } from '../../../../lib/produce/publisher';
import { InvalidRequestError } from '../../../../lib/shared/errors';
import { parseRequest } from '../../../../lib/shared/request';
import { fakeProducer, testKafkaSettings } from '../../../fixtures/fake-producer';
import { sampleTick } from '../../../fixtures/ticks';

const parse = (input: unknown) => parseRequest(ProduceTicksRequestSchema, 'produceTicks request', input);
const SCHEDULE_TIME = '2026-11-20T15:01:00Z';

function setup() {
  const fake = fakeProducer();
  const publisher = createTickPublisher({ settings: testKafkaSettings, createProducer: () => fake.producer });
  return { ...fake, publisher };
}

describe('produceTicks request', () => {
  it('applies the defaults: 1 tick/s, burst', () => {
    expect(parse({ symbols: ['AAPL'] })).toEqual({ symbols: ['AAPL'], ticksPerSecond: 1, mode: 'burst' });
  });

  it.each([
    ['an unknown field', { symbols: ['AAPL'], speed: 2 }, /Unrecognized key.*speed/],
    ['an empty symbol list', { symbols: [] }, /symbols: symbols must list at least one symbol/],
    ['a repeated symbol', { symbols: ['AAPL', 'AAPL'] }, /symbols must not repeat/],
    [
      'a zero cadence',
      { symbols: ['AAPL'], ticksPerSecond: 0 },
      /ticksPerSecond: ticksPerSecond must be > 0/,
    ],
    [
      'a cadence above the maximum',
      { symbols: ['AAPL'], ticksPerSecond: 50 },
      /ticksPerSecond must be <= 20/,
    ],
    ['an unknown mode', { symbols: ['AAPL'], mode: 'turbo' }, /mode: /],
    ['a malformed time', { symbols: ['AAPL'], time: 'yesterday' }, /time: /],
    ['no object at all', 'AAPL', /expected object/],
  ])('rejects %s with a clear message', (_case, input, message) => {
    expect(() => parse(input)).toThrow(InvalidRequestError);
    expect(() => parse(input)).toThrow(message);
  });
});

describe('minuteWindow', () => {
  it('covers the minute that just ended in burst mode and the one starting in paced mode', () => {
    const timeMs = Date.parse('2026-11-20T15:01:00.500Z');
    expect(minuteWindow({ timeMs, mode: 'burst' })).toEqual({
      startMs: Date.parse('2026-11-20T15:00:00Z'),
      endMs: Date.parse('2026-11-20T15:01:00Z'),
    });
    expect(minuteWindow({ timeMs, mode: 'paced' })).toEqual({
      startMs: Date.parse('2026-11-20T15:01:00Z'),
      endMs: Date.parse('2026-11-20T15:02:00Z'),
    });
  });
});

describe('produceMinute', () => {
  it('publishes one minute at 1 tick/s/symbol with true timestamps and summarises it', async () => {
    const { publisher, calls } = setup();
    const summary = await produceMinute({
      request: parse({ symbols: ['AAPL', 'JPM'], time: SCHEDULE_TIME }),
      source: simulatedLiveSource({ seed: 's' }),
      publisher,
    });
    expect(summary).toEqual({
      published: 120,
      symbols: ['AAPL', 'JPM'],
      firstTimestamp: '2026-11-20T15:00:00.000Z',
      lastTimestamp: '2026-11-20T15:00:59.000Z',
      topic: 'stock-ticks',
      source: 'simulated',
      schema: 'tick.v1',
      mode: 'burst',
      ticksPerSecond: 1,
      windowStart: '2026-11-20T15:00:00.000Z',
      windowEnd: '2026-11-20T15:01:00.000Z',
    });
    const keys = calls.sends.flatMap((send) => send.messages.map((message) => message.key));
    expect(keys.filter((key) => key === 'AAPL')).toHaveLength(60);
    expect(calls.sends[0]?.messages[0]?.headers).toMatchObject({ source: 'produce-ticks/burst' });
  });

  it('publishes identical records when the same schedule minute is re-run', async () => {
    const first = setup();
    const second = setup();
    const request = parse({ symbols: ['NVDA', 'KO'], ticksPerSecond: 2, time: SCHEDULE_TIME });
    await produceMinute({ request, source: simulatedLiveSource({ seed: 's' }), publisher: first.publisher });
    await produceMinute({
      request,
      source: simulatedLiveSource({ seed: 's' }),
      publisher: second.publisher,
      now: () => 0,
    });
    expect(second.calls.sends).toEqual(first.calls.sends);
    expect(first.calls.sends.flatMap((send) => send.messages)).toHaveLength(240);
  });

  it('uses the clock when the request carries no time', async () => {
    const { publisher } = setup();
    const summary = await produceMinute({
      request: parse({ symbols: ['AAPL'] }),
      source: simulatedLiveSource({ seed: 's' }),
      publisher,
      now: () => Date.parse('2026-11-20T09:30:12Z'),
    });
    expect(summary.windowStart).toBe('2026-11-20T09:29:00.000Z');
  });

  it('paces ticks in real time: one send per instant, waiting until each instant comes', async () => {
    const { publisher, calls } = setup();
    let clock = Date.parse('2026-11-20T15:01:00.000Z');
    const sleep = jest.fn(async (ms: number) => {
      clock += ms;
    });
    const summary = await produceMinute({
      request: parse({ symbols: ['AAPL', 'MSFT'], mode: 'paced', time: '2026-11-20T15:01:00Z' }),
      source: simulatedLiveSource({ seed: 's' }),
      publisher,
      now: () => clock,
      sleep,
    });
    expect(summary.windowStart).toBe('2026-11-20T15:01:00.000Z');
    expect(calls.sends).toHaveLength(60);
    expect(calls.sends.every((send) => send.messages.length === 2)).toBe(true);
    // The first instant is due at once; each later one is waited for, a second apart.
    expect(sleep).toHaveBeenCalledTimes(59);
    expect(sleep.mock.calls.every(([ms]) => ms === 1000)).toBe(true);
  });

  it('rejects unknown symbols before publishing anything', async () => {
    const { publisher, calls } = setup();
    const failure = produceMinute({
      request: parse({ symbols: ['AAPL', 'ZZZZ'], time: SCHEDULE_TIME }),
      source: simulatedLiveSource({ seed: 's' }),
      publisher,
    });
    await expect(failure).rejects.toThrow(UnknownSymbolError);
    await expect(failure).rejects.toThrow(/unknown symbol\(s\): ZZZZ; known: AAPL, MSFT/);
    expect(calls.connect).toBe(0);
    expect(calls.sends).toHaveLength(0);
  });
});

describe('produceMinute from a real market source (tick.v2)', () => {
  const quote = (symbol: string) =>
    sampleTick({ symbol, timestamp: '2026-11-20T15:01:00.000Z', volume: null, bid: null, ask: null });
  const source = (minute: Awaited<ReturnType<LiveSource['minute']>>): LiveSource => ({
    name: 'alphavantage',
    schema: 'tick.v2',
    minute: async () => minute,
  });

  it('sends the ticks with the schema header tick.v2 and summarises the symbols covered', async () => {
    const { publisher, calls } = setup();
    const summary = await produceMinute({
      request: parse({ symbols: ['AAPL', 'MSFT', 'KO'], time: SCHEDULE_TIME }),
      source: source({ ticks: [quote('AAPL'), quote('MSFT')], covered: ['AAPL', 'MSFT'], requests: 3 }),
      publisher,
    });
    expect(calls.sends[0]?.messages.map((message) => message.headers)).toEqual([
      { 'content-type': 'application/json', schema: 'tick.v2', source: 'produce-ticks/burst' },
      { 'content-type': 'application/json', schema: 'tick.v2', source: 'produce-ticks/burst' },
    ]);
    expect(summary).toMatchObject({
      published: 2,
      source: 'alphavantage',
      schema: 'tick.v2',
      covered: ['AAPL', 'MSFT'],
      requests: 3,
    });
  });

  it('publishes nothing and says why when the source skipped the minute', async () => {
    const { publisher, calls } = setup();
    const summary = await produceMinute({
      request: parse({ symbols: ['AAPL'], time: SCHEDULE_TIME }),
      source: source({ ticks: [], covered: [], skipped: 'outside regular US trading hours' }),
      publisher,
    });
    expect(summary).toMatchObject({ published: 0, skipped: 'outside regular US trading hours' });
    expect(summary).not.toHaveProperty('covered');
    expect(calls.connect).toBe(0);
  });

  it('publishes what the other symbols gave, then fails naming the throttled one', async () => {
    const { publisher, calls } = setup();
    const throttled = new MarketThrottledError(
      "Alpha Vantage throttled GLOBAL_QUOTE for MSFT: the plan's limit is reached",
      'MSFT',
    );
    const failure = produceMinute({
      request: parse({ symbols: ['AAPL', 'MSFT'], time: SCHEDULE_TIME }),
      source: source({ ticks: [quote('AAPL')], covered: ['AAPL', 'MSFT'], failures: [throttled] }),
      publisher,
    });
    await expect(failure).rejects.toThrow(
      "alphavantage: 1 request(s) failed (1 tick(s) from the others were published): Alpha Vantage throttled GLOBAL_QUOTE for MSFT: the plan's limit is reached",
    );
    expect(calls.sends.flatMap((send) => send.messages.map((message) => message.key))).toEqual(['AAPL']);
  });

  it("validates a real source's ticks against tick.v2 before sending any", async () => {
    const { publisher, calls } = setup();
    const failure = produceMinute({
      request: parse({ symbols: ['AAPL'], time: SCHEDULE_TIME }),
      source: source({ ticks: [sampleTick({ bid: 1, ask: null })], covered: ['AAPL'] }),
      publisher,
    });
    await expect(failure).rejects.toThrow('invalid tick.v2: bid: bid and ask are both null or both set');
    expect(calls.sends).toHaveLength(0);
  });
});
