import { describe, expect, it } from '@jest/globals';
import { assertTick, validateTick } from '../../../lib/tick';
import { sampleTick } from '../../fixtures/ticks';

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
