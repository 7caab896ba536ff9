import { InputError } from './errors';

/** A UTC day as the reports take it, `YYYY-MM-DD`, that exists in the calendar. */
export function checkDay(day: string): string {
  const midnight = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : Number.NaN;
  // Date.parse takes 2026-02-30 for March 2nd: the round trip rejects days the calendar lacks.
  const valid = !Number.isNaN(midnight) && new Date(midnight).toISOString().slice(0, 10) === day;
  if (!valid)
    throw new InputError(`invalid day ${JSON.stringify(day)}: expected YYYY-MM-DD, e.g. 2026-11-20`);
  return day;
}

/** Today in UTC, `YYYY-MM-DD`: the day a scheduled reports run covers. */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}
