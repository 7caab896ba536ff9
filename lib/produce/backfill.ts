import { z } from 'zod';
import { type AnyTick, tickAsserter } from '../contract/tick';
import type { HistorySource } from '../market/source';
import { parseRequest } from '../shared/request';
import { type PublishSummary, summarize } from './produce-minute';
import type { TickPublisher } from './publisher';

/** More than this in one invocation would outrun a Lambda's 15 minutes; split the range instead. */
export const MAX_BACKFILL_TICKS = 2_000_000;

const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/** The input of `backfillHistory`: a half-open range [from, to) sampled every `intervalSeconds`. */
export const BackfillRequestSchema = z
  .strictObject({
    symbols: z
      .array(z.string().min(1))
      .min(1, 'symbols must list at least one symbol')
      .max(100)
      .refine((symbols) => new Set(symbols).size === symbols.length, 'symbols must not repeat'),
    from: instant,
    to: instant,
    intervalSeconds: z.number().int().min(1).max(86_400).default(60),
  })
  .refine((request) => Date.parse(request.from) < Date.parse(request.to), {
    message: 'from must be before to',
    path: ['to'],
  })
  .refine(
    (request) =>
      ((Date.parse(request.to) - Date.parse(request.from)) / 1000 / request.intervalSeconds) *
        request.symbols.length <=
      MAX_BACKFILL_TICKS,
    { message: `the range holds more than ${MAX_BACKFILL_TICKS} ticks; split it or raise intervalSeconds` },
  );

export type BackfillRequest = z.output<typeof BackfillRequestSchema>;

/** Validates a backfill request; dates without a time mean midnight UTC. */
export function parseBackfillRequest(input: unknown): BackfillRequest {
  return parseRequest(BackfillRequestSchema, 'backfillHistory request', input);
}

export interface BackfillSummary extends PublishSummary {
  source: string;
  schema: string;
  /** Parts of the range the source had no data for (a real source's empty series). */
  empty?: string[];
  from: string;
  to: string;
  intervalSeconds: number;
}

/** Publishes a range of history page by page. Re-running the same range publishes the same records. */
export async function backfillHistory(params: {
  request: BackfillRequest;
  source: HistorySource;
  publisher: TickPublisher;
}): Promise<BackfillSummary> {
  const { request, source, publisher } = params;
  const startMs = Date.parse(request.from);
  const endMs = Date.parse(request.to);
  const range = { symbols: request.symbols, startMs, endMs, intervalSeconds: request.intervalSeconds };
  source.check?.(range);
  let published = 0;
  let first: AnyTick | undefined;
  let last: AnyTick | undefined;
  const empty: string[] = [];
  const pages = source.pages({ ...range, onEmpty: (what) => empty.push(what) });
  const validate = tickAsserter(source.schema);
  for await (const page of pages) {
    const ticks = page.map(validate);
    await publisher.publish({ ticks, source: `backfill-history/${source.name}`, schema: source.schema });
    published += ticks.length;
    first ??= ticks[0];
    last = ticks.at(-1) ?? last;
  }
  return {
    ...summarize({
      ticks: first && last ? [first, last] : [],
      symbols: request.symbols,
      topic: publisher.topic,
    }),
    published,
    source: source.name,
    schema: source.schema,
    ...(empty.length > 0 ? { empty } : {}),
    from: new Date(startMs).toISOString(),
    to: new Date(endMs).toISOString(),
    intervalSeconds: request.intervalSeconds,
  };
}
