/** Milliseconds in a minute: the producers' schedule, the market data's bars and the local clock step by it. */
export const MINUTE_MS = 60_000;

/** Milliseconds in a (UTC) day: the reports' and the landed partitions' unit. */
export const DAY_MS = 24 * 60 * MINUTE_MS;

/** Waits `ms` milliseconds. Injected where tests need a clock of their own. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An instant as ISO-8601 UTC with milliseconds, the ticks' timestamp format. */
export const toIso = (timeMs: number): string => new Date(timeMs).toISOString();
