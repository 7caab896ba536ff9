import { z } from 'zod';

/** Kafka topic value schema version, sent as a message header so consumers can route on it. */
export const TICK_SCHEMA_VERSION = 'tick.v1';

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

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
    symbol: z
      .string()
      .regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'symbol must be 1-10 upper-case letters, digits or dots'),
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

export type TickValidation = { ok: true; tick: Tick } | { ok: false; reason: string };

/** Renders zod issues as one line, e.g. `price: Too small: expected number to be >0; exchange: Invalid option`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Validates an already-decoded value against the tick schema, returning the reason on failure. */
export function validateTick(value: unknown): TickValidation {
  const result = TickSchema.safeParse(value);
  return result.success
    ? { ok: true, tick: result.data }
    : { ok: false, reason: describeIssues(result.error) };
}

/** Validates a tick and throws one error naming every problem: for producers, where a bad tick is a bug. */
export function assertTick(value: unknown): Tick {
  const result = validateTick(value);
  if (!result.ok) throw new Error(`invalid tick: ${result.reason}`);
  return result.tick;
}
