import { z } from 'zod';
import { InvalidRequestError } from '../shared/errors';
import { describeIssues } from '../shared/request';

/** Kafka topic value schema version, sent as a message header so consumers can route on it. */
export const TICK_SCHEMA_VERSION = 'tick.v1';

/**
 * The tick of a real market-data source (header `schema: tick.v2`): the same fields as tick.v1, but what a real
 * source does not give is null instead of invented: `bid`/`ask` (no order book), `volume` (no per-tick volume) and
 * `market_cap` (no company overview). Every tick.v1 is a valid tick.v2.
 */
export const TICK_SCHEMA_V2 = 'tick.v2';

/** The tick schema versions the consumer accepts, by their `schema` header. */
export type TickSchemaVersion = typeof TICK_SCHEMA_VERSION | typeof TICK_SCHEMA_V2;

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SYMBOL = /^[A-Z][A-Z0-9.]{0,9}$/;

/** Upper bounds that no real listed equity reaches: a value past them is a bug or garbage, not a trade. */
export const TICK_LIMITS = {
  maxPrice: 10_000_000,
  maxVolume: 10_000_000_000,
  maxMarketCap: 1e14,
  /** Serialized size above which a record is rejected before parsing (a tick is ~300 bytes). */
  maxRecordBytes: 4096,
} as const;

/**
 * The one definition of a stock tick, shared by the producers (validate before sending) and the
 * consumer (validate on receipt). Field names are snake_case, as the original project published them.
 */
export const TickSchema = z
  .strictObject({
    symbol: z.string().regex(SYMBOL, 'symbol must be 1-10 upper-case letters, digits or dots'),
    price: z.number().positive().max(TICK_LIMITS.maxPrice),
    volume: z.number().int().nonnegative().max(TICK_LIMITS.maxVolume),
    timestamp: z
      .string()
      .regex(ISO_UTC_MS, 'timestamp must be ISO-8601 UTC with milliseconds, e.g. 2025-01-02T14:30:00.000Z')
      .refine((value) => !Number.isNaN(Date.parse(value)), 'timestamp is not a real date'),
    market_cap: z.number().nonnegative().max(TICK_LIMITS.maxMarketCap),
    pe_ratio: z.number().finite().nullable(),
    bid: z.number().positive().max(TICK_LIMITS.maxPrice),
    ask: z.number().positive().max(TICK_LIMITS.maxPrice),
    exchange: z.enum(['NASDAQ', 'NYSE']),
    seq: z.number().int().nonnegative(),
  })
  .refine((tick) => tick.bid <= tick.price && tick.price <= tick.ask, {
    message: 'bid <= price <= ask must hold',
    path: ['price'],
  });

export type Tick = z.infer<typeof TickSchema>;

/** tick.v2: tick.v1 with `volume`, `bid`, `ask` and `market_cap` nullable (a real source's gaps). */
export const TickV2Schema = z
  .strictObject({
    ...TickSchema.shape,
    volume: TickSchema.shape.volume.nullable(),
    market_cap: TickSchema.shape.market_cap.nullable(),
    bid: TickSchema.shape.bid.nullable(),
    ask: TickSchema.shape.ask.nullable(),
  })
  .refine((tick) => (tick.bid === null) === (tick.ask === null), {
    message: 'bid and ask are both null or both set',
    path: ['bid'],
  })
  .refine(
    (tick) => tick.bid === null || tick.ask === null || (tick.bid <= tick.price && tick.price <= tick.ask),
    {
      message: 'bid <= price <= ask must hold',
      path: ['price'],
    },
  );

export type TickV2 = z.infer<typeof TickV2Schema>;

/** A tick of either version: what the consumer lands and the reports read. */
export type AnyTick = Tick | TickV2;

export type TickValidation = { ok: true; tick: Tick } | { ok: false; reason: string };

/** The fields of a tick, in the schema's order. */
export const TICK_FIELDS = [
  'symbol',
  'price',
  'volume',
  'timestamp',
  'market_cap',
  'pe_ratio',
  'bid',
  'ask',
  'exchange',
  'seq',
] as const;

const isPositivePrice = (value: unknown): value is number =>
  typeof value === 'number' && value > 0 && value <= TICK_LIMITS.maxPrice;

/**
 * Strings already found valid, remembered because a batch repeats them (a few hundred symbols; every symbol's
 * tick of one second shares its timestamp). Bounded: cleared when full.
 */
const validSymbols = new Set<string>();
let lastValidTimestamp = '';

function isSymbol(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (validSymbols.has(value)) return true;
  if (!SYMBOL.test(value)) return false;
  if (validSymbols.size >= 10_000) validSymbols.clear();
  validSymbols.add(value);
  return true;
}

function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (value === lastValidTimestamp) return true;
  if (!ISO_UTC_MS.test(value) || Number.isNaN(Date.parse(value))) return false;
  lastValidTimestamp = value;
  return true;
}

/**
 * The tick schema's rules, checked directly: the consumer's fast path (zod takes most of a batch's landing time).
 * It answers exactly as `TickSchema.safeParse(value).success` does — a test runs both on the same valid and
 * invalid values — and says nothing about why: on `false`, the schema is asked, so the schema stays the single
 * source of truth for rules and reasons alike.
 */
export function isTick(value: unknown): value is Tick {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const tick = value as Record<string, unknown>;
  // Ten own keys, and below each of the ten fields is checked by name: so they are exactly the ten fields.
  // (Object.keys costs a sixth of a for-in loop testing each key with hasOwn; this runs once per landed record.)
  if (Object.keys(tick).length !== TICK_FIELDS.length) return false;
  const { symbol, price, volume, timestamp, market_cap, pe_ratio, bid, ask, exchange, seq } = tick;
  return (
    isSymbol(symbol) &&
    isPositivePrice(price) &&
    typeof volume === 'number' &&
    Number.isSafeInteger(volume) &&
    volume >= 0 &&
    volume <= TICK_LIMITS.maxVolume &&
    isTimestamp(timestamp) &&
    typeof market_cap === 'number' &&
    market_cap >= 0 &&
    market_cap <= TICK_LIMITS.maxMarketCap &&
    (pe_ratio === null || (typeof pe_ratio === 'number' && Number.isFinite(pe_ratio))) &&
    isPositivePrice(bid) &&
    isPositivePrice(ask) &&
    (exchange === 'NASDAQ' || exchange === 'NYSE') &&
    typeof seq === 'number' &&
    Number.isSafeInteger(seq) &&
    seq >= 0 &&
    bid <= price &&
    price <= ask
  );
}

/**
 * Validates an already-decoded value against the tick schema, returning the reason on failure. A value
 * {@link isTick} accepts is returned as it is; anything else goes through the schema, which gives the reason.
 */
export function validateTick(value: unknown): TickValidation {
  if (isTick(value)) return { ok: true, tick: value };
  const result = TickSchema.safeParse(value);
  return result.success
    ? { ok: true, tick: result.data }
    : { ok: false, reason: describeIssues(result.error) };
}

/**
 * Validates a value as the tick of a schema version (its record's `schema` header). A tick.v1 passes for
 * tick.v2 too; only what tick.v1 rejects is asked of the tick.v2 schema.
 */
export function validateTickOf(
  version: TickSchemaVersion,
  value: unknown,
): TickValidation | TickV2Validation {
  if (version === TICK_SCHEMA_VERSION) return validateTick(value);
  if (isTick(value)) return { ok: true, tick: value };
  const result = TickV2Schema.safeParse(value);
  return result.success
    ? { ok: true, tick: result.data }
    : { ok: false, reason: describeIssues(result.error) };
}

export type TickV2Validation = { ok: true; tick: TickV2 } | { ok: false; reason: string };

/** Validates a tick.v2 and throws one error naming every problem: for producers of real data. */
export function assertTickV2(value: unknown): TickV2 {
  const result = validateTickOf(TICK_SCHEMA_V2, value);
  if (!result.ok) throw new InvalidRequestError('tick.v2', result.reason);
  return result.tick;
}

/** Validates a tick and throws one error naming every problem: for producers, where a bad tick is a bug. */
export function assertTick(value: unknown): Tick {
  const result = validateTick(value);
  if (!result.ok) throw new InvalidRequestError('tick', result.reason);
  return result.tick;
}

/** The producers' check for ticks of a schema version: assertTick for tick.v1, assertTickV2 for tick.v2. */
export function tickAsserter(version: TickSchemaVersion): (value: unknown) => AnyTick {
  return version === TICK_SCHEMA_VERSION ? assertTick : assertTickV2;
}
