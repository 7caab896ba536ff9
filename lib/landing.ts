import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type KafkaEventBatch, type KafkaEventRecord, recordsOf } from './kafka-event';
import { TICK_LIMITS, validateTick } from './tick';

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
  lines: string[];
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

export type RecordOutcome =
  | { ok: true; line: string; dt: string; hour: string }
  | { ok: false; entry: QuarantineEntry };

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
): RecordOutcome {
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

/**
 * Decodes and validates one record. A valid tick becomes its NDJSON line and the dt/hour of its own timestamp;
 * anything else becomes a quarantine entry with the reason. Never throws: a bad record must not fail the batch.
 */
export function classifyRecord(record: KafkaEventRecord): RecordOutcome {
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
  const result = validateTick(parsed);
  if (!result.ok) return quarantined(record, `schema: ${result.reason}`, text);
  const { timestamp } = result.tick;
  // The producer's text is already the tick's JSON; re-serialise only when it would break the one-line format.
  const json = text.includes('\n') || text.includes('\r') ? JSON.stringify(result.tick) : text;
  return {
    ok: true,
    line: withLineage(json, record),
    dt: timestamp.slice(0, 10),
    hour: timestamp.slice(11, 13),
  };
}

/** The Kafka lineage fields every landed line carries after the tick's own fields (see {@link withLineage}). */
export const LINEAGE_FIELDS = ['kafka_topic', 'kafka_partition', 'kafka_offset'] as const;

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
  const close = json.lastIndexOf('}');
  return `${json.slice(0, close)},"kafka_topic":${JSON.stringify(record.topic)},"kafka_partition":${record.partition},"kafka_offset":${record.offset}}`;
}

function utcDate(timestampMs: number): string {
  const date = new Date(timestampMs);
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toISOString().slice(0, 10);
}

function addLine(params: {
  groups: Map<string, PlannedObject>;
  groupKey: string;
  /** Builds the object's folder; called only for a group's first record. */
  folder: () => string;
  record: KafkaEventRecord;
  line: string;
}): void {
  const { groups, groupKey, record, line } = params;
  const group = groups.get(groupKey);
  if (group === undefined) {
    groups.set(groupKey, {
      key: params.folder(),
      topic: record.topic,
      partition: record.partition,
      firstOffset: record.offset,
      lastOffset: record.offset,
      lines: [line],
    });
    return;
  }
  group.lines.push(line);
  if (record.offset < group.firstOffset) group.firstOffset = record.offset;
  if (record.offset > group.lastOffset) group.lastOffset = record.offset;
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
 * Groups a batch into the objects to write: valid ticks by (topic, partition, dt, hour) of their own timestamp,
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
  for (const record of recordsOf(batch)) {
    records++;
    if (oldest === null || record.timestamp < oldest) oldest = record.timestamp;
    const outcome = classifyRecord(record);
    const partitionKey = `${record.topic}\u0000${record.partition}`;
    if (outcome.ok) {
      const { dt, hour } = outcome;
      addLine({
        groups: raw,
        groupKey: `${partitionKey}\u0000${dt}\u0000${hour}`,
        folder: () => `${layout.rawPrefix}/dt=${dt}/hour=${hour}/`,
        record,
        line: outcome.line,
      });
    } else {
      quarantinedCount++;
      const dt = utcDate(record.timestamp);
      addLine({
        groups: bad,
        groupKey: `${partitionKey}\u0000${dt}`,
        folder: () => `${layout.quarantinePrefix}/dt=${dt}/`,
        record,
        line: JSON.stringify(outcome.entry),
      });
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
  return gzipSync(`${object.lines.join('\n')}\n`, { level });
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
              records: String(object.lines.length),
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
 * Lands one Kafka batch in S3: one gzipped NDJSON object per (topic, partition, dt, hour) and one per
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
