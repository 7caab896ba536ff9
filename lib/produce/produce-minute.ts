import { z } from 'zod';
import { type AnyTick, tickAsserter } from '../contract/tick';
import { MarketSourceFailedError } from '../market/errors';
import type { LiveSource } from '../market/source';
import { MINUTE_MS, sleep } from '../shared/time';
import type { TickPublisher } from './publisher';

export const MAX_TICKS_PER_SECOND = 20;

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

export interface PublishSummary {
  published: number;
  symbols: string[];
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  topic: string;
}

/** Summarises what a run published; ticks are in time order. */
export function summarize(params: {
  ticks: readonly AnyTick[];
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
  /** The market source (`simulated`, `alphavantage`) and the schema version of its ticks. */
  source: string;
  schema: string;
  mode: ProduceTicksRequest['mode'];
  ticksPerSecond: number;
  windowStart: string;
  windowEnd: string;
  /** The symbols this run covered, when a source's request budget covers only a share of the group. */
  covered?: string[];
  /** Why nothing was published, when nothing was (outside US trading hours…). */
  skipped?: string;
  /** Symbols without a tick, and why. */
  missing?: { symbol: string; reason: string }[];
  /** Requests made to the market-data provider. */
  requests?: number;
}

/**
 * Publishes one minute of the request's symbols from a live source (the simulator, or a market-data API). The
 * simulator's ticks are a pure function of (seed, symbols, minute, cadence), so re-running a schedule minute
 * publishes identical records. Every tick is validated against its schema version before anything is sent. When
 * some of a real source's requests failed, the others' ticks are published and then the run fails naming them.
 */
export async function produceMinute(params: {
  request: ProduceTicksRequest;
  source: LiveSource;
  publisher: TickPublisher;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): Promise<ProduceMinuteSummary> {
  const { request, source, publisher, now = Date.now, sleep: pause = sleep } = params;
  const timeMs = request.time === undefined ? now() : Date.parse(request.time);
  const window = minuteWindow({ timeMs, mode: request.mode });
  const minute = await source.minute({
    symbols: request.symbols,
    ticksPerSecond: request.ticksPerSecond,
    timeMs,
    ...window,
  });
  const ticks = minute.ticks.map(tickAsserter(source.schema));
  const label = `produce-ticks/${request.mode}`;
  const schema = source.schema;

  if (request.mode === 'burst') {
    await publisher.publish({ ticks, source: label, schema });
  } else {
    for (const slot of groupByTimestamp(ticks)) {
      const wait = Date.parse(slot.timestamp) - now();
      if (wait > 0) await pause(wait);
      await publisher.publish({ ticks: slot.ticks, source: label, schema });
    }
  }
  if (minute.failures && minute.failures.length > 0)
    throw new MarketSourceFailedError(source.name, minute.failures, ticks.length);
  const partial = minute.covered.length !== request.symbols.length;
  return {
    ...summarize({ ticks, symbols: request.symbols, topic: publisher.topic }),
    source: source.name,
    schema,
    mode: request.mode,
    ticksPerSecond: request.ticksPerSecond,
    windowStart: new Date(window.startMs).toISOString(),
    windowEnd: new Date(window.endMs).toISOString(),
    ...(partial && minute.skipped === undefined ? { covered: minute.covered } : {}),
    ...(minute.skipped !== undefined ? { skipped: minute.skipped } : {}),
    ...(minute.missing ? { missing: minute.missing } : {}),
    ...(minute.requests !== undefined ? { requests: minute.requests } : {}),
  };
}

/** Consecutive runs of ticks sharing a timestamp, in order. */
export function groupByTimestamp<T extends AnyTick>(
  ticks: readonly T[],
): { timestamp: string; ticks: T[] }[] {
  const slots: { timestamp: string; ticks: T[] }[] = [];
  for (const tick of ticks) {
    const last = slots.at(-1);
    if (last?.timestamp === tick.timestamp) last.ticks.push(tick);
    else slots.push({ timestamp: tick.timestamp, ticks: [tick] });
  }
  return slots;
}
