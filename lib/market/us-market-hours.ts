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
