import { describe, expect, it } from '@jest/globals';
import { monthsOf } from '../../../../lib/market/alphavantage/history';
import {
  isRegularSession,
  marketEarlyClose,
  marketHolidays,
  newYorkToUtcMs,
} from '../../../../lib/market/us-market-hours';

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

// NYSE Group's published calendar for 2025, 2026 and 2027 (press release "NYSE Group Announces 2025, 2026 and 2027
// Holiday and Early Closings Calendar", 2024-11-08): the holidays as observed, and the 1:00 p.m. early closes.
const NYSE_HOLIDAYS: Record<number, string[]> = {
  2025: ['01-01', '01-20', '02-17', '04-18', '05-26', '06-19', '07-04', '09-01', '11-27', '12-25'],
  2026: ['01-01', '01-19', '02-16', '04-03', '05-25', '06-19', '07-03', '09-07', '11-26', '12-25'],
  2027: ['01-01', '01-18', '02-15', '03-26', '05-31', '06-18', '07-05', '09-06', '11-25', '12-24'],
};
const NYSE_EARLY_CLOSES: Record<number, string[]> = {
  2025: ['07-03', '11-28', '12-24'],
  2026: ['11-27', '12-24'],
  2027: ['11-26'],
};

describe("the NYSE's calendar", () => {
  it.each([2025, 2026, 2027])('closes on the holidays NYSE published for %i, as observed', (year) => {
    expect([...marketHolidays(year).keys()].sort()).toEqual(
      NYSE_HOLIDAYS[year]?.map((day) => `${year}-${day}`),
    );
  });

  it.each([2025, 2026, 2027])('closes at 13:00 on the days NYSE published for %i, and no others', (year) => {
    const earlyCloses: string[] = [];
    for (
      let day = new Date(Date.UTC(year, 0, 1));
      day.getUTCFullYear() === year;
      day.setUTCDate(day.getUTCDate() + 1)
    ) {
      const date = day.toISOString().slice(0, 10);
      if (marketEarlyClose(date) !== undefined) earlyCloses.push(date);
    }
    expect(earlyCloses).toEqual(NYSE_EARLY_CLOSES[year]?.map((day) => `${year}-${day}`));
  });

  it('does not move a Saturday New Year to the Friday before, which ends the previous year', () => {
    expect(marketHolidays(2028).has('2027-12-31')).toBe(false);
    expect(marketHolidays(2028).has('2028-01-01')).toBe(false);
  });
});
