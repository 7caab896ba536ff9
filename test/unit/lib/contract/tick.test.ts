import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  assertTick,
  isTick,
  TICK_FIELDS,
  TICK_LIMITS,
  TickSchema,
  validateTick,
} from '../../../../lib/contract/tick';
import { sampleTick } from '../../../fixtures/ticks';

describe('tick schema', () => {
  it('accepts a well-formed tick and returns it unchanged', () => {
    const tick = sampleTick();
    expect(validateTick(tick)).toEqual({ ok: true, tick });
  });

  it('accepts a null P/E ratio (negative earnings)', () => {
    expect(validateTick(sampleTick({ pe_ratio: null })).ok).toBe(true);
  });

  it.each([
    ['a non-positive price', { price: 0 }, /^price: /],
    ['a price as a string', { price: '250.42' }, /^price: .*expected number/],
    ['an absurd price', { price: 1e9 }, /^price: /],
    ['a fractional volume', { volume: 1.5 }, /^volume: .*expected int/],
    ['a negative volume', { volume: -1 }, /^volume: /],
    ['a timestamp without milliseconds', { timestamp: '2025-01-02T14:30:00Z' }, /^timestamp: .*ISO-8601/],
    [
      'a timestamp that is not a date',
      { timestamp: '2025-13-45T99:99:99.000Z' },
      /^timestamp: .*not a real date/,
    ],
    ['a lower-case symbol', { symbol: 'aapl' }, /^symbol: /],
    ['an unknown exchange', { exchange: 'LSE' }, /^exchange: /],
    ['a negative sequence number', { seq: -1 }, /^seq: /],
    ['a bid above the price', { bid: 260, ask: 261 }, /^price: bid <= price <= ask/],
  ])('rejects %s, naming the field', (_case, overrides, reason) => {
    const result = validateTick(sampleTick(overrides));
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('rejects unknown fields, naming them', () => {
    const result = validateTick({ ...sampleTick(), venue: 'dark-pool' });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('venue') });
  });

  it('rejects a missing field, naming it', () => {
    const { market_cap: _dropped, ...rest } = sampleTick();
    expect(validateTick(rest)).toEqual({ ok: false, reason: expect.stringMatching(/^market_cap: /) });
  });

  it('rejects values that are not objects', () => {
    expect(validateTick('AAPL,250.42').ok).toBe(false);
    expect(validateTick(null).ok).toBe(false);
  });

  it('assertTick throws one error listing every problem', () => {
    expect(() => assertTick(sampleTick({ price: -1, volume: 'lots' }))).toThrow(
      /invalid tick: price: .*; volume: /,
    );
  });
});

describe('isTick, the consumer fast path', () => {
  const anyValue = fc.oneof(
    fc.constantFrom(null, undefined, true, '', 'x', [], {}, Number.NaN, Number.POSITIVE_INFINITY, -0),
    fc.double(),
    fc.integer(),
    fc.string(),
  );
  /** Per field: valid values, the values at and past each limit, and values of other types. */
  const fields = {
    symbol: fc.oneof(
      fc.constantFrom('AAPL', 'BRK.B', 'A', 'ABCDEFGHIJ', 'ABCDEFGHIJK', 'aapl', '1AB', 'A-B', 'AAPL '),
      fc.stringMatching(/^[A-Z][A-Z0-9.]{0,11}$/),
      anyValue,
    ),
    price: fc.oneof(
      fc.constantFrom(250.42, 0, -0, 1e-9, TICK_LIMITS.maxPrice, TICK_LIMITS.maxPrice + 1, -1),
      fc.double({ min: -10, max: 1e8 }),
      anyValue,
    ),
    volume: fc.oneof(
      fc.constantFrom(0, 1, 1.5, -1, TICK_LIMITS.maxVolume, TICK_LIMITS.maxVolume + 1, 2 ** 53, 2 ** 53 + 2),
      fc.integer({ min: -5, max: 1e6 }),
      anyValue,
    ),
    timestamp: fc.oneof(
      fc.constantFrom(
        '2025-01-02T14:30:00.000Z',
        '2025-01-02T14:30:00Z',
        '2025-13-45T99:99:99.000Z',
        '2025-02-30T10:00:00.000Z',
        '2024-02-29T23:59:59.999Z',
        '2025-01-02T24:00:00.000Z',
        '2025-01-02 14:30:00.000Z',
      ),
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      anyValue,
    ),
    market_cap: fc.oneof(
      fc.constantFrom(0, -0, -1, TICK_LIMITS.maxMarketCap, TICK_LIMITS.maxMarketCap * 2, 3.7e12),
      anyValue,
    ),
    pe_ratio: fc.oneof(fc.constantFrom(null, 0, -3.5, 41.19), anyValue),
    bid: fc.oneof(fc.constantFrom(250.41, 250.42, 250.43, 0, TICK_LIMITS.maxPrice + 1), anyValue),
    ask: fc.oneof(fc.constantFrom(250.43, 250.42, 250.41, 0, TICK_LIMITS.maxPrice + 1), anyValue),
    exchange: fc.oneof(fc.constantFrom('NASDAQ', 'NYSE', 'nyse', 'LSE', ''), anyValue),
    seq: fc.oneof(fc.constantFrom(0, 1, -1, 1.5, 2 ** 53, 1_735_828_200), anyValue),
  };
  /** A tick with some fields replaced, some removed, perhaps one added: valid and invalid in every way. */
  const candidate = fc
    .record({
      replaced: fc.record(fields, { requiredKeys: [] }),
      removed: fc.subarray([...TICK_FIELDS], { maxLength: 2 }),
      extra: fc.option(fc.tuple(fc.constantFrom('venue', 'kafka_offset', '__proto__'), anyValue)),
    })
    .map(({ replaced, removed, extra }) => {
      const value: Record<string, unknown> = { ...sampleTick(), ...replaced };
      for (const field of removed) delete value[field];
      if (extra) Object.defineProperty(value, extra[0], { value: extra[1], enumerable: true });
      return value;
    });

  it('answers exactly as the zod schema does, on valid and invalid values alike', () => {
    fc.assert(
      fc.property(candidate, (value) => {
        expect({ value, fast: isTick(value) }).toEqual({ value, fast: TickSchema.safeParse(value).success });
      }),
      { numRuns: 20_000 },
    );
    // 20,000 cases: about a second on a quiet machine; a busy one may take several.
  }, 60_000);

  it('answers as the schema for values that are not objects at all', () => {
    for (const value of [null, undefined, 1, 'tick', [], [sampleTick()], new Date(0)])
      expect([value, isTick(value)]).toEqual([value, TickSchema.safeParse(value).success]);
  });

  it('leaves the reason of a rejected value to the schema', () => {
    expect(validateTick(sampleTick({ seq: 1.5 }))).toEqual({
      ok: false,
      reason: 'seq: Invalid input: expected int, received number',
    });
  });
});
