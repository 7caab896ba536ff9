import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { KafkaEventBatch, KafkaEventRecord } from '../contract/kafka-event';
import {
  type AnyTick,
  isTick,
  TICK_LIMITS,
  TICK_SCHEMA_V2,
  TICK_SCHEMA_VERSION,
  validateTickOf,
} from '../contract/tick';
import { NdjsonBody } from './ndjson';

/** Where landed and quarantined records go in the data bucket (DESIGN.md, "S3 layout"). */
export interface LandingLayout {
  rawPrefix: string;
  quarantinePrefix: string;
}

export const DEFAULT_LAYOUT: LandingLayout = {
  rawPrefix: 'raw/stock_ticks',
  quarantinePrefix: 'quarantine/stock_ticks',
};

/** One object to write: newline-delimited JSON lines, named by the smallest offset of its records. */
export interface PlannedObject {
  key: string;
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  body: NdjsonBody;
}

/** Why a record was quarantined, with everything needed to replay or debug it. */
export interface QuarantineEntry {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  /** The value as UTF-8 text, or base64 when it is not valid UTF-8. */
  value: string | null;
  valueEncoding: 'utf8' | 'base64';
  reason: string;
}

export type RecordOutcome = { ok: true; line: string; dt: string } | { ok: false; entry: QuarantineEntry };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
const MAX_BASE64_LENGTH = Math.ceil(TICK_LIMITS.maxRecordBytes / 3) * 4;

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
      key: record.key ? Buffer.from(record.key, 'base64').toString('utf8') : null,
      value,
      valueEncoding: base64 ? 'base64' : 'utf8',
      reason,
    },
  };
}

type CheckedRecord =
  | {
      ok: true;
      /** The tick's one-line JSON object as UTF-8: the record's own bytes, unless they had to be re-serialised. */
      bytes: Buffer;
      timestamp: string;
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
function checkRecord(record: KafkaEventRecord): CheckedRecord {
  const encoded = record.value;
  if (encoded === undefined || encoded === null || encoded === '')
    return quarantined(record, 'empty value', null);
  if (encoded.length > MAX_BASE64_LENGTH) {
    return quarantined(record, `oversized: more than ${TICK_LIMITS.maxRecordBytes} bytes`, encoded, true);
  }
  const bytes = Buffer.from(encoded, 'base64');
  const text = bytes.toString('utf8');
  // toString replaces invalid sequences with U+FFFD; only then is the strict (slower) decoder worth running.
  if (text.includes('\uFFFD') && !isUtf8(bytes))
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
  return { ok: true, bytes: oneLine ? bytes : Buffer.from(JSON.stringify(tick)), timestamp: tick.timestamp };
}

/** Where a one-line JSON object's closing brace is: its last byte, but for trailing spaces. */
function closingBrace(bytes: Buffer): number {
  return bytes[bytes.length - 1] === 0x7d ? bytes.length - 1 : bytes.lastIndexOf(0x7d);
}

/**
 * Decodes and validates one record. A valid tick becomes its NDJSON line (with its lineage) and the dt of
 * its own timestamp; anything else becomes a quarantine entry with the reason. Never throws: a bad record must not
 * fail the batch.
 */
export function classifyRecord(record: KafkaEventRecord): RecordOutcome {
  const checked = checkRecord(record);
  if (!checked.ok) return checked;
  const { bytes, timestamp } = checked;
  const json = bytes.toString('utf8', 0, closingBrace(bytes) + 1);
  return {
    ok: true,
    line: withLineage(json, record),
    dt: timestamp.slice(0, 10),
  };
}

/** The Kafka lineage fields every landed line carries after the tick's own fields (see {@link withLineage}). */
export const LINEAGE_FIELDS = ['kafka_topic', 'kafka_partition', 'kafka_offset'] as const;

/** The lineage text of a record up to its offset: the same for every record of a partition. */
const lineagePrefix = (topic: string, partition: number) =>
  `,"kafka_topic":${JSON.stringify(topic)},"kafka_partition":${partition},"kafka_offset":`;

/** The one-line JSON object with the lineage text inserted before its closing brace. */
function appendLineage(json: string, prefix: string, offset: number): string {
  // A producer's text ends with its closing brace; anything after it (spaces) is dropped.
  const close = json.charCodeAt(json.length - 1) === 125 ? json.length - 1 : json.lastIndexOf('}');
  return `${json.slice(0, close)}${prefix}${offset}}`;
}

/**
 * Appends the record's Kafka lineage to a tick's one-line JSON object, as Kafka Connect's InsertField transform
 * does (`kafka_topic`, `kafka_partition`, `kafka_offset`): any landed row can be traced to its record, and the
 * reports' de-duplication keeps the latest record of a tick. The tick schema is strict, so the names are free;
 * appending to the text costs far less than parsing and re-serialising it.
 */
export function withLineage(
  json: string,
  record: Pick<KafkaEventRecord, 'topic' | 'partition' | 'offset'>,
): string {
  return appendLineage(json, lineagePrefix(record.topic, record.partition), record.offset);
}

function utcDate(timestampMs: number): string {
  const date = new Date(timestampMs);
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toISOString().slice(0, 10);
}

/**
 * The object of a group, created (named later) for the group's first record in the folder `folder(folderOf)`
 * names. (A function and its argument, not a closure: this runs once per record.) Its offsets include the record.
 */
function objectFor<T>(
  groups: Map<string, PlannedObject>,
  groupKey: string,
  folder: (value: T) => string,
  folderOf: T,
  record: KafkaEventRecord,
): PlannedObject {
  let group = groups.get(groupKey);
  if (group === undefined) {
    group = {
      key: folder(folderOf),
      topic: record.topic,
      partition: record.partition,
      firstOffset: record.offset,
      lastOffset: record.offset,
      body: new NdjsonBody(),
    };
    groups.set(groupKey, group);
  } else {
    if (record.offset < group.firstOffset) group.firstOffset = record.offset;
    if (record.offset > group.lastOffset) group.lastOffset = record.offset;
  }
  return group;
}

export interface LandingPlan {
  records: number;
  objects: PlannedObject[];
  quarantine: PlannedObject[];
  quarantined: number;
  /** Oldest record's Kafka timestamp, for the batch age metric. */
  oldestRecordTimestamp: number | null;
}

/**
 * Groups a batch into the objects to write: valid ticks by (topic, partition, dt) of their own timestamp,
 * bad records by (topic, partition, dt of the Kafka record time). Each object is named by the smallest offset
 * in its group, so a batch retried from the same offset, with any boundaries, rewrites the same keys and no
 * record ever stands in two objects.
 */
export function planLanding(params: { batch: KafkaEventBatch; layout?: LandingLayout }): LandingPlan {
  const { batch, layout = DEFAULT_LAYOUT } = params;
  const raw = new Map<string, PlannedObject>();
  const bad = new Map<string, PlannedObject>();
  let records = 0;
  let quarantinedCount = 0;
  let oldest: number | null = null;
  // What is the same for every record of a partition is built once per partition, not per record.
  let topic: string | undefined;
  let partition: number | undefined;
  let partitionKey = '';
  let lineage = Buffer.alloc(0);
  let lastGroup: PlannedObject | undefined;
  let lastGroupPartition = '';
  let lastDay = '';
  const rawFolder = (day: string) => `${layout.rawPrefix}/dt=${day}/`;
  const quarantineFolder = (dt: string) => `${layout.quarantinePrefix}/dt=${dt}/`;
  for (const group of Object.values(batch.records ?? {})) {
    for (const record of group) {
      records++;
      if (oldest === null || record.timestamp < oldest) oldest = record.timestamp;
      if (record.topic !== topic || record.partition !== partition) {
        topic = record.topic;
        partition = record.partition;
        partitionKey = `${topic}\u0000${partition}\u0000`;
        lineage = Buffer.from(lineagePrefix(topic, partition));
      }
      const checked = checkRecord(record);
      if (checked.ok) {
        // A partition's ticks mostly arrive in time order: the previous record's group is the likely one.
        let object: PlannedObject;
        if (
          lastGroup !== undefined &&
          lastGroupPartition === partitionKey &&
          checked.timestamp.startsWith(lastDay)
        ) {
          object = lastGroup;
          if (record.offset < object.firstOffset) object.firstOffset = record.offset;
          if (record.offset > object.lastOffset) object.lastOffset = record.offset;
        } else {
          // The tick's own UTC day: one object per (partition, dt).
          const day = checked.timestamp.slice(0, 10);
          object = objectFor(raw, partitionKey + day, rawFolder, day, record);
          lastGroup = object;
          lastGroupPartition = partitionKey;
          lastDay = day;
        }
        object.body.appendLineWithNumber(checked.bytes, closingBrace(checked.bytes), lineage, record.offset);
      } else {
        quarantinedCount++;
        const dt = utcDate(record.timestamp);
        objectFor(bad, partitionKey + dt, quarantineFolder, dt, record).body.appendText(
          JSON.stringify(checked.entry),
        );
      }
    }
  }
  const name = (object: PlannedObject) => ({
    ...object,
    key: `${object.key}${object.topic}+${object.partition}+${object.firstOffset}.json.gz`,
  });
  return {
    records,
    objects: [...raw.values()].map(name),
    quarantine: [...bad.values()].map(name),
    quarantined: quarantinedCount,
    oldestRecordTimestamp: oldest,
  };
}

/** The gzipped NDJSON body of an object: one JSON document per line, newline-terminated. */
export function encodeBody(object: PlannedObject, level = 6): Buffer {
  return gzipSync(object.body.toBuffer(), { level });
}

/** The slice of an S3 client that landing uses: the real client, a mock, or an in-memory stub. */
export interface ObjectWriter {
  send(command: PutObjectCommand): Promise<unknown>;
}

/** Raised when any object of a batch could not be written; the batch must then be retried. */
export class LandingWriteError extends Error {
  constructor(
    readonly bucket: string,
    readonly failedKeys: string[],
    total: number,
    cause: unknown,
  ) {
    super(
      `failed to write ${failedKeys.length} of ${total} objects to s3://${bucket} (${failedKeys.slice(0, 3).join(', ')}${
        failedKeys.length > 3 ? ', …' : ''
      }): ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
      { cause },
    );
    this.name = 'LandingWriteError';
  }
}

export interface LandingSummary {
  records: number;
  landed: number;
  quarantined: number;
  objects: number;
  quarantineObjects: number;
  bytes: number;
  putRequests: number;
  /** Age of the oldest record when the batch was written, ms. */
  batchAgeMs: number | null;
  keys: string[];
}

async function putAll(params: {
  s3: ObjectWriter;
  bucket: string;
  objects: { object: PlannedObject; body: Buffer }[];
  concurrency: number;
}): Promise<void> {
  const { s3, bucket, objects, concurrency } = params;
  const failures: { key: string; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const item = objects[next++];
      if (!item) break;
      const { object, body } = item;
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: object.key,
            Body: body,
            ContentType: 'application/x-ndjson',
            ContentEncoding: 'gzip',
            Metadata: {
              'kafka-topic': object.topic,
              'kafka-partition': String(object.partition),
              'first-offset': String(object.firstOffset),
              'last-offset': String(object.lastOffset),
              records: String(object.body.lines),
            },
          }),
        );
      } catch (error) {
        failures.push({ key: object.key, error });
      }
    }
  };
  // Every write is awaited before failing, so none is still in flight when the batch is retried.
  await Promise.all(Array.from({ length: Math.min(concurrency, objects.length) }, worker));
  if (failures.length > 0) {
    throw new LandingWriteError(
      bucket,
      failures.map((failure) => failure.key),
      objects.length,
      failures[0]?.error,
    );
  }
}

/**
 * Lands one Kafka batch in S3: one gzipped NDJSON object per (topic, partition, dt) and one per
 * (topic, partition, dt) of quarantined records. Throws if any write fails, so the event source retries it.
 */
export async function landBatch(params: {
  batch: KafkaEventBatch;
  s3: ObjectWriter;
  bucket: string;
  layout?: LandingLayout;
  gzipLevel?: number;
  concurrency?: number;
  now?: () => number;
}): Promise<LandingSummary> {
  const { batch, s3, bucket, layout, gzipLevel = 6, concurrency = 8, now = Date.now } = params;
  const plan = planLanding({ batch, layout });
  const objects = [...plan.objects, ...plan.quarantine].map((object) => ({
    object,
    body: encodeBody(object, gzipLevel),
  }));
  await putAll({ s3, bucket, objects, concurrency });
  return {
    records: plan.records,
    landed: plan.records - plan.quarantined,
    quarantined: plan.quarantined,
    objects: plan.objects.length,
    quarantineObjects: plan.quarantine.length,
    bytes: objects.reduce((sum, { body }) => sum + body.length, 0),
    putRequests: objects.length,
    batchAgeMs: plan.oldestRecordTimestamp === null ? null : now() - plan.oldestRecordTimestamp,
    keys: objects.map(({ object }) => object.key),
  };
}
