/** New York wall-clock time, which US equity sessions and Alpha Vantage's intraday bars are stated in. */
const NEW_YORK = 'America/New_York';

const newYorkParts = new Intl.DateTimeFormat('en-US', {
  timeZone: NEW_YORK,
  hourCycle: 'h23',
  weekday: 'short',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The New York wall-clock fields of an instant. */
export function newYorkTime(timeMs: number): {
  date: string;
  weekday: string;
  /** `HH:MM`. */
  time: string;
  minuteOfDay: number;
  wallClockMs: number;
} {
  const parts = Object.fromEntries(
    newYorkParts.formatToParts(new Date(timeMs)).map((part) => [part.type, part.value]),
  ) as Record<string, string>;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: parts.weekday ?? '',
    time: `${parts.hour}:${parts.minute}`,
    minuteOfDay: hour * 60 + minute,
    wallClockMs: Date.UTC(year, month - 1, day, hour, minute, second) + (timeMs % 1000),
  };
}

/**
 * The UTC instant of a New York wall-clock time `YYYY-MM-DD HH:MM:SS` (Alpha Vantage's "US/Eastern" series keys).
 * The offset is found by asking what the first guess reads as in New York, twice, so the answer is right on both
 * sides of a daylight-saving change.
 */
export function newYorkToUtcMs(wallClock: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wallClock);
  if (!match) throw new RangeError(`not a YYYY-MM-DD HH:MM:SS time: ${JSON.stringify(wallClock)}`);
  const [, year, month, day, hour, minute, second = '0'] = match;
  const asUtc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  let guess = asUtc;
  for (let i = 0; i < 2; i++) guess = asUtc - (newYorkTime(guess).wallClockMs - guess);
  return guess;
}

/** Regular session of the US equity exchanges, New York time: 09:30 to 16:00, Monday to Friday. */
export const REGULAR_SESSION = { openMinute: 9 * 60 + 30, closeMinute: 16 * 60 } as const;

/**
 * Whether a quote taken at an instant belongs to the regular session: New York time after the 09:30 open and up to
 * the 16:00 close, on a weekday. Market holidays are not known here; a real source's quote then carries an older
 * trading day, which its adapter detects.
 */
export function isRegularSession(timeMs: number): boolean {
  return inRegularSession(newYorkTime(timeMs));
}

/** {@link isRegularSession} for New York fields already computed. */
export function inRegularSession({
  weekday,
  minuteOfDay,
}: {
  weekday: string;
  minuteOfDay: number;
}): boolean {
  if (weekday === 'Sat' || weekday === 'Sun') return false;
  return minuteOfDay > REGULAR_SESSION.openMinute && minuteOfDay <= REGULAR_SESSION.closeMinute;
}

/** The date (YYYY-MM-DD) of a UTC calendar day. */
const ymd = (date: Date) => date.toISOString().slice(0, 10);

/** The `n`th (1-based) `weekday` (0 = Sunday) of a month, or the last one with n = -1. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month, 1));
    const offset = (weekday - first.getUTCDay() + 7) % 7;
    return ymd(new Date(Date.UTC(year, month, 1 + offset + (n - 1) * 7)));
  }
  const last = new Date(Date.UTC(year, month + 1, 0));
  return ymd(new Date(Date.UTC(year, month, last.getUTCDate() - ((last.getUTCDay() - weekday + 7) % 7))));
}

/** A fixed-date holiday as observed: Saturday on the Friday before, Sunday on the Monday after. */
function observed(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month, day));
  const shift = date.getUTCDay() === 6 ? -1 : date.getUTCDay() === 0 ? 1 : 0;
  return ymd(new Date(Date.UTC(year, month, day + shift)));
}

/** Easter Sunday (the anonymous Gregorian algorithm). */
function easter(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return new Date(Date.UTC(year, month - 1, day));
}

/**
 * The NYSE's full-day holidays of a year, by date, from its published rules: New Year's Day (a Saturday one is not
 * moved to the Friday before, which ends the previous year), Martin Luther King Jr. Day, Washington's Birthday,
 * Good Friday, Memorial Day, Juneteenth (since 2022), Independence Day, Labor Day, Thanksgiving and Christmas.
 * Early closes are in marketEarlyClose; closures for unscheduled events are in neither.
 */
export function marketHolidays(year: number): Map<string, string> {
  const goodFriday = easter(year);
  goodFriday.setUTCDate(goodFriday.getUTCDate() - 2);
  const newYear = new Date(Date.UTC(year, 0, 1)).getUTCDay() === 6 ? undefined : observed(year, 0, 1);
  const holidays: [string | undefined, string][] = [
    [newYear, "New Year's Day"],
    [nthWeekday(year, 0, 1, 3), 'Martin Luther King Jr. Day'],
    [nthWeekday(year, 1, 1, 3), "Washington's Birthday"],
    [ymd(goodFriday), 'Good Friday'],
    [nthWeekday(year, 4, 1, -1), 'Memorial Day'],
    [year >= 2022 ? observed(year, 5, 19) : undefined, 'Juneteenth'],
    [observed(year, 6, 4), 'Independence Day'],
    [nthWeekday(year, 8, 1, 1), 'Labor Day'],
    [nthWeekday(year, 10, 4, 4), 'Thanksgiving Day'],
    [observed(year, 11, 25), 'Christmas Day'],
  ];
  return new Map(holidays.filter((entry): entry is [string, string] => entry[0] !== undefined));
}

/** The NYSE holiday a New York date (YYYY-MM-DD) falls on, if any. */
export function marketHoliday(date: string): string | undefined {
  return marketHolidays(Number(date.slice(0, 4))).get(date);
}

/** The early close of the NYSE's shortened sessions, New York time: 13:00. */
export const EARLY_CLOSE_MINUTE = 13 * 60;

/**
 * The NYSE's shortened session (closing at 13:00 New York) a New York date falls on, if any, from the rules its
 * published calendars follow: the day after Thanksgiving, and Christmas Eve and the day before Independence Day
 * when they fall Monday to Thursday (on a Friday they are the observed holiday, on a weekend nothing trades).
 */
export function marketEarlyClose(date: string): string | undefined {
  const year = Number(date.slice(0, 4));
  const thanksgiving = new Date(`${nthWeekday(year, 10, 4, 4)}T00:00:00Z`);
  thanksgiving.setUTCDate(thanksgiving.getUTCDate() + 1);
  if (date === ymd(thanksgiving)) return 'the day after Thanksgiving';
  const mondayToThursday = (day: string) => [1, 2, 3, 4].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
  if (date === `${year}-12-24` && mondayToThursday(date)) return 'Christmas Eve';
  if (date === `${year}-07-03` && mondayToThursday(date)) return 'the day before Independence Day';
  return undefined;
}

/** The next midnight in New York after an instant, as a UTC instant. */
export function nextNewYorkMidnight(timeMs: number): number {
  const today = newYorkTime(timeMs).date;
  const tomorrow = new Date(`${today}T00:00:00Z`);
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  return newYorkToUtcMs(`${ymd(tomorrow)} 00:00:00`);
}

/**
 * Whether the minute ending at an instant is one the US market trades in: the regular session (09:31 to 16:00 New
 * York on a weekday), not a market holiday, and up to 13:00 on an early close.
 */
export function isTradingMinute(timeMs: number): boolean {
  const newYork = newYorkTime(timeMs);
  if (!inRegularSession(newYork) || marketHoliday(newYork.date) !== undefined) return false;
  return marketEarlyClose(newYork.date) === undefined || newYork.minuteOfDay <= EARLY_CLOSE_MINUTE;
}
