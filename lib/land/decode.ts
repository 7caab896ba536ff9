import type { KafkaEventRecord } from '../contract/kafka-event';
import {
  type AnyTick,
  isTick,
  TICK_LIMITS,
  TICK_SCHEMA_V2,
  TICK_SCHEMA_VERSION,
  validateTickOf,
} from '../contract/tick';
import { InvalidRequestError } from '../shared/errors';
import { toIso } from '../shared/time';

/** Why a record was quarantined, with everything needed to replay or debug it. */
export interface QuarantineEntry {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** The key as UTF-8 text, or base64 when it is not valid UTF-8 (its bytes kept either way). */
  key: string | null;
  keyEncoding: 'utf8' | 'base64';
  /** The value as UTF-8 text, or base64 when it is not valid UTF-8. */
  value: string | null;
  valueEncoding: 'utf8' | 'base64';
  reason: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
/** A record's key as text when its bytes are UTF-8, else as the base64 Lambda delivered: never a lossy decode. */
function keyOf(record: KafkaEventRecord): Pick<QuarantineEntry, 'key' | 'keyEncoding'> {
  if (!record.key) return { key: null, keyEncoding: 'utf8' };
  const bytes = Buffer.from(record.key, 'base64');
  return isUtf8(bytes)
    ? { key: bytes.toString('utf8'), keyEncoding: 'utf8' }
    : { key: record.key, keyEncoding: 'base64' };
}

/**
 * The tick timestamps landing accepts. A tick stamped far from when it was sent is a producer's bug (a clock, a
 * unit): it would land in a partition every crawl and listing carries for ever. The bound is the record's own
 * Kafka timestamp, not the landing clock, so a batch retried or re-driven later lands exactly as it did.
 */
export interface TickTimeWindow {
  /** How far ahead of its Kafka record's timestamp a tick may stand. */
  maxAheadMs: number;
  /** The first day landing accepts (YYYY-MM-DD, UTC); a backfill of any day since lands. */
  earliestDay: string;
}

export const DEFAULT_TIME_WINDOW: TickTimeWindow = { maxAheadMs: 5 * 60_000, earliestDay: '2000-01-01' };

/**
 * Checks a decoded tick's timestamp against the window. Cheap per record: the common case is two string
 * comparisons (ISO timestamps order as strings) against bounds computed once per minute of record time; only a
 * tick close to the upper bound has its timestamp parsed for the exact test.
 */
function timeChecker(window: TickTimeWindow) {
  const earliestMs = Date.parse(`${window.earliestDay}T00:00:00.000Z`);
  if (Number.isNaN(earliestMs))
    throw new InvalidRequestError(
      'time window',
      `earliestDay ${JSON.stringify(window.earliestDay)} is not a day`,
    );
  // The ISO text of the day's first instant, made by toISOString: a string built by concatenation compares slower,
  // and this is compared with every record.
  const earliest = toIso(earliestMs);
  let minute = Number.NaN;
  // Every record of this minute accepts a tick up to here at least.
  let surelyAccepted = '';
  return (record: KafkaEventRecord, timestamp: string): string | undefined => {
    if (timestamp < earliest)
      return `timestamp ${timestamp} is before the earliest day landing accepts (${window.earliestDay})`;
    const recordMinute = Math.floor(record.timestamp / 60_000);
    if (recordMinute !== minute) {
      minute = recordMinute;
      surelyAccepted = toIso(recordMinute * 60_000 + window.maxAheadMs);
    }
    if (timestamp <= surelyAccepted || Date.parse(timestamp) <= record.timestamp + window.maxAheadMs)
      return undefined;
    return `timestamp ${timestamp} is more than ${window.maxAheadMs / 1000} s ahead of its Kafka record (${new Date(record.timestamp).toISOString()})`;
  };
}

/**
 * Decodes records against a time window: {@link decodeRecord} with the window's checks. A decoded record's bytes
 * are valid until the next record is decoded.
 */
export function recordDecoder(
  window: TickTimeWindow = DEFAULT_TIME_WINDOW,
): (record: KafkaEventRecord) => DecodedRecord {
  const outsideWindow = timeChecker(window);
  // Every record is decoded into this one buffer: a batch of thousands allocates no buffer per record (and a
  // line is copied from here into its object's body before the next record is decoded).
  const scratch = Buffer.allocUnsafe(MAX_DECODED_BYTES);
  return (record) => {
    const decoded = decodeRecordInto(record, scratch);
    if (!decoded.ok) return decoded;
    const reason = outsideWindow(record, decoded.timestamp);
    return reason === undefined ? decoded : quarantined(record, reason, decoded.text);
  };
}

const MAX_BASE64_LENGTH = Math.ceil(TICK_LIMITS.maxRecordBytes / 3) * 4;
/** The most bytes a value landing accepts decodes to (of {@link MAX_BASE64_LENGTH} base64 characters). */
const MAX_DECODED_BYTES = (MAX_BASE64_LENGTH / 4) * 3;

function quarantined(
  record: KafkaEventRecord,
  reason: string,
  value: string | null,
  base64 = false,
): { ok: false; entry: QuarantineEntry } {
  return {
    ok: false,
    entry: {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      ...keyOf(record),
      value,
      valueEncoding: base64 ? 'base64' : 'utf8',
      reason,
    },
  };
}

/** A record decoded: the tick's bytes and timestamp, or why it is quarantined. */
export type DecodedRecord =
  | {
      ok: true;
      /**
       * The tick's one-line JSON object as UTF-8 in `bytes[0, brace]`: the record's own bytes, unless they had to
       * be re-serialised. From a {@link recordDecoder}, valid until it decodes the next record.
       */
      bytes: Buffer;
      /** Where the object's closing brace is in `bytes`. */
      brace: number;
      /** The record's value as it came. */
      text: string;
      timestamp: string;
      /** The tick as parsed (the live snapshot folds it in). */
      tick: AnyTick;
    }
  | { ok: false; entry: QuarantineEntry };

const V1_BYTES = [...Buffer.from(TICK_SCHEMA_VERSION)];
const V2_BYTES = [...Buffer.from(TICK_SCHEMA_V2)];
function sameBytes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The tick version a record declares in its `schema` header, or tick.v1 when it has none (records from before the
 * header existed). Compared as bytes: this runs once per record.
 */
function schemaOf(record: KafkaEventRecord): string {
  const headers = record.headers;
  if (headers === undefined) return TICK_SCHEMA_VERSION;
  for (let i = 0; i < headers.length; i++) {
    const value = headers[i]?.schema;
    if (value === undefined) continue;
    if (sameBytes(value, V1_BYTES)) return TICK_SCHEMA_VERSION;
    if (sameBytes(value, V2_BYTES)) return TICK_SCHEMA_V2;
    return Buffer.from(value).toString('utf8');
  }
  return TICK_SCHEMA_VERSION;
}

/**
 * Decodes and validates one record against the tick version its `schema` header names (tick.v1 without one): the
 * tick's one-line JSON and timestamp, or the quarantine entry. A version this consumer does not know is
 * quarantined, whatever the value holds.
 */
export function decodeRecord(record: KafkaEventRecord): DecodedRecord {
  return decodeRecordInto(record, Buffer.allocUnsafe(MAX_DECODED_BYTES));
}

/** {@link decodeRecord}, decoding the value into `scratch` (at least {@link MAX_DECODED_BYTES} long). */
function decodeRecordInto(record: KafkaEventRecord, scratch: Buffer): DecodedRecord {
  const encoded = record.value;
  if (encoded === undefined || encoded === null || encoded === '')
    return quarantined(record, 'empty value', null);
  if (encoded.length > MAX_BASE64_LENGTH) {
    return quarantined(record, `oversized: more than ${TICK_LIMITS.maxRecordBytes} bytes`, encoded, true);
  }
  const length = scratch.write(encoded, 0, 'base64');
  const text = scratch.toString('utf8', 0, length);
  // toString replaces invalid sequences with U+FFFD; only then is the strict (slower) decoder worth running.
  if (text.includes('\uFFFD') && !isUtf8(scratch.subarray(0, length)))
    return quarantined(record, 'value is not UTF-8 text', encoded, true);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return quarantined(record, `malformed JSON: ${(error as Error).message}`, text);
  }
  const schema = schemaOf(record);
  if (schema !== TICK_SCHEMA_VERSION && schema !== TICK_SCHEMA_V2)
    return quarantined(
      record,
      `unknown schema version ${JSON.stringify(schema)} (this consumer reads ${TICK_SCHEMA_VERSION} and ${TICK_SCHEMA_V2})`,
      text,
    );
  let tick: AnyTick;
  // Every tick.v1 is a valid tick.v2: the fast check answers for both versions.
  if (isTick(parsed)) tick = parsed;
  else {
    const result = validateTickOf(schema, parsed);
    if (!result.ok) return quarantined(record, `schema: ${result.reason}`, text);
    tick = result.tick;
  }
  // The producer's text is already the tick's JSON; re-serialise only when it would break the one-line format.
  const oneLine = !text.includes('\n') && !text.includes('\r');
  const bytes = oneLine ? scratch : Buffer.from(JSON.stringify(tick));
  const brace = oneLine ? closingBrace(scratch, length) : bytes.length - 1;
  return { ok: true, bytes, brace, text, timestamp: tick.timestamp, tick };
}

/** Where the closing brace of the one-line JSON object in `bytes[0, length)` is: its last byte, but for trailing spaces. */
function closingBrace(bytes: Buffer, length: number): number {
  return bytes[length - 1] === 0x7d ? length - 1 : bytes.lastIndexOf(0x7d, length - 1);
}
