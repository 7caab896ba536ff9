import { describe, expect, it } from '@jest/globals';
import { monthsOf } from '../../../../lib/market/alphavantage/history';
import { isRegularSession, newYorkToUtcMs } from '../../../../lib/market/us-market-hours';

describe('New York time', () => {
  it('converts wall-clock times on both sides of daylight-saving changes', () => {
    expect(new Date(newYorkToUtcMs('2026-11-20 09:30:00')).toISOString()).toBe('2026-11-20T14:30:00.000Z');
    expect(new Date(newYorkToUtcMs('2026-07-01 09:30:00')).toISOString()).toBe('2026-07-01T13:30:00.000Z');
    expect(new Date(newYorkToUtcMs('2026-03-08 03:30:00')).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(new Date(newYorkToUtcMs('2026-11-01 00:30:00')).toISOString()).toBe('2026-11-01T04:30:00.000Z');
  });

  it('knows the regular session: after 09:30 and up to 16:00 on weekdays', () => {
    expect(isRegularSession(Date.parse('2026-11-20T14:31:00Z'))).toBe(true);
    expect(isRegularSession(Date.parse('2026-11-20T21:00:00Z'))).toBe(true);
    expect(isRegularSession(Date.parse('2026-11-20T14:30:00Z'))).toBe(false);
    expect(isRegularSession(Date.parse('2026-11-20T21:01:00Z'))).toBe(false);
    expect(isRegularSession(Date.parse('2026-07-01T13:31:00Z'))).toBe(true);
    expect(isRegularSession(Date.parse('2026-11-22T15:00:00Z'))).toBe(false);
  });

  it('lists the months a range touches, a day wider for the New York offset', () => {
    expect(monthsOf(Date.parse('2026-11-20T00:00:00Z'), Date.parse('2026-11-21T00:00:00Z'))).toEqual([
      '2026-11',
    ]);
    expect(monthsOf(Date.parse('2026-10-31T12:00:00Z'), Date.parse('2026-12-01T00:00:00Z'))).toEqual([
      '2026-10',
      '2026-11',
      '2026-12',
    ]);
  });
});
