import { z } from 'zod';
import type { TickPublisher } from './kafka';
import { simulateTicks } from './simulator';
import { resolveProfiles } from './symbols';
import { assertTick, describeIssues, type Tick } from './tick';

/** Raised when a function's input is malformed; nothing has been published when it is thrown. */
export class InvalidRequestError extends Error {
  constructor(what: string, reason: string) {
    super(`invalid ${what}: ${reason}`);
    this.name = 'InvalidRequestError';
  }
}

export const MAX_TICKS_PER_SECOND = 20;
const MINUTE_MS = 60_000;

const symbolList = z
  .array(z.string().min(1))
  .min(1, 'symbols must list at least one symbol')
  .max(100, 'at most 100 symbols per invocation')
  .refine((symbols) => new Set(symbols).size === symbols.length, 'symbols must not repeat');

/** The input of `produceTicks`, as EventBridge (or `sls invoke --data`) sends it. */
export const ProduceTicksRequestSchema = z.strictObject({
  /** A label for the schedule that sent this (e.g. "mega-cap-tech"), for logs only. */
  group: z.string().min(1).max(64).optional(),
  symbols: symbolList,
  ticksPerSecond: z
    .number()
    .positive('ticksPerSecond must be > 0')
    .max(MAX_TICKS_PER_SECOND, `ticksPerSecond must be <= ${MAX_TICKS_PER_SECOND}`)
    .default(1),
  mode: z.enum(['burst', 'paced']).default('burst'),
  /** The schedule instant (EventBridge's `time`); defaults to the invocation clock. */
  time: z.iso.datetime({ offset: true }).optional(),
});

export type ProduceTicksRequest = z.output<typeof ProduceTicksRequestSchema>;

/** Validates a request body against a schema, turning every problem into one `InvalidRequestError`. */
export function parseRequest<S extends z.ZodType>(schema: S, what: string, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidRequestError(what, describeIssues(result.error));
  return result.data;
}

export interface PublishSummary {
  published: number;
  symbols: string[];
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  topic: string;
}

/** Summarises what a run published; ticks are in time order. */
export function summarize(params: {
  ticks: readonly Tick[];
  symbols: string[];
  topic: string;
}): PublishSummary {
  const { ticks, symbols, topic } = params;
  return {
    published: ticks.length,
    symbols,
    firstTimestamp: ticks[0]?.timestamp ?? null,
    lastTimestamp: ticks.at(-1)?.timestamp ?? null,
    topic,
  };
}

/**
 * The minute a run covers. Burst publishes the minute that ended at the schedule instant (every tick is in
 * the past); paced publishes the minute that starts there, each tick when its time comes.
 */
export function minuteWindow(params: { timeMs: number; mode: ProduceTicksRequest['mode'] }): {
  startMs: number;
  endMs: number;
} {
  const minuteStart = Math.floor(params.timeMs / MINUTE_MS) * MINUTE_MS;
  return params.mode === 'burst'
    ? { startMs: minuteStart - MINUTE_MS, endMs: minuteStart }
    : { startMs: minuteStart, endMs: minuteStart + MINUTE_MS };
}

export interface ProduceMinuteSummary extends PublishSummary {
  mode: ProduceTicksRequest['mode'];
  ticksPerSecond: number;
  windowStart: string;
  windowEnd: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Simulates one minute of ticks for the request's symbols and publishes them. The ticks are a pure function of
 * (seed, symbols, minute, cadence), so re-running a schedule minute publishes identical records.
 */
export async function produceMinute(params: {
  request: ProduceTicksRequest;
  seed: string;
  publisher: TickPublisher;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): Promise<ProduceMinuteSummary> {
  const { request, seed, publisher, now = Date.now, sleep = defaultSleep } = params;
  const profiles = resolveProfiles(request.symbols);
  const timeMs = request.time === undefined ? now() : Date.parse(request.time);
  const window = minuteWindow({ timeMs, mode: request.mode });
  const ticks = simulateTicks({ seed, profiles, ticksPerSecond: request.ticksPerSecond, ...window }).map(
    assertTick,
  );
  const source = `produce-ticks/${request.mode}`;

  if (request.mode === 'burst') {
    await publisher.publish({ ticks, source });
  } else {
    for (const slot of groupByTimestamp(ticks)) {
      const wait = Date.parse(slot.timestamp) - now();
      if (wait > 0) await sleep(wait);
      await publisher.publish({ ticks: slot.ticks, source });
    }
  }
  return {
    ...summarize({ ticks, symbols: request.symbols, topic: publisher.topic }),
    mode: request.mode,
    ticksPerSecond: request.ticksPerSecond,
    windowStart: new Date(window.startMs).toISOString(),
    windowEnd: new Date(window.endMs).toISOString(),
  };
}

/** Consecutive runs of ticks sharing a timestamp, in order. */
export function groupByTimestamp(ticks: readonly Tick[]): { timestamp: string; ticks: Tick[] }[] {
  const slots: { timestamp: string; ticks: Tick[] }[] = [];
  for (const tick of ticks) {
    const last = slots.at(-1);
    if (last?.timestamp === tick.timestamp) last.ticks.push(tick);
    else slots.push({ timestamp: tick.timestamp, ticks: [tick] });
  }
  return slots;
}
