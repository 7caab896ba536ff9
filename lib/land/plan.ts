import type { KafkaEventBatch, KafkaEventRecord } from '../contract/kafka-event';
import type { AnyTick } from '../contract/tick';
import { DAY_MS, toIso } from '../shared/time';
import { recordDecoder, type TickTimeWindow } from './decode';
import { NdjsonBody } from './ndjson';

/** Where landed and quarantined records go in the data bucket (docs/design.md, "S3 layout"). */
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

/** The Kafka lineage fields every landed line carries after the tick's own fields. */
export const LINEAGE_FIELDS = ['kafka_topic', 'kafka_partition', 'kafka_offset'] as const;

/**
 * The lineage text of a record up to its offset: the same for every record of a partition. A landed line is the
 * tick's one-line JSON object with this text and the offset inserted before its closing brace, as Kafka Connect's
 * InsertField transform does (`kafka_topic`, `kafka_partition`, `kafka_offset`): any landed row can be traced to
 * its record, and the reports' de-duplication keeps the latest record of a tick. The tick schema is strict, so the
 * names are free; inserting into the bytes costs far less than parsing and re-serialising the tick.
 */
const lineagePrefix = (topic: string, partition: number) =>
  `,"kafka_topic":${JSON.stringify(topic)},"kafka_partition":${partition},"kafka_offset":`;

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
  /** The valid ticks, in batch order (the live snapshot folds them in). */
  ticks: AnyTick[];
}

/**
 * Groups a batch into the objects to write: valid ticks by (topic, partition, dt) of their own timestamp,
 * bad records by (topic, partition, dt of the Kafka record time). Each object is named by the smallest offset
 * in its group, so a batch retried from the same offset, with any boundaries, rewrites the same keys and no
 * record ever stands in two objects.
 */
export function planLanding(params: {
  batch: KafkaEventBatch;
  layout?: LandingLayout;
  /** The tick timestamps accepted; the others are quarantined with the reason. */
  timeWindow?: TickTimeWindow;
  /** Called with each valid tick as it is decoded, in batch order (the live snapshot folds it in then). */
  onTick?: (tick: AnyTick) => void;
}): LandingPlan {
  const { batch, layout = DEFAULT_LAYOUT, onTick } = params;
  const decodeRecord = recordDecoder(params.timeWindow);
  const raw = new Map<string, PlannedObject>();
  const bad = new Map<string, PlannedObject>();
  let records = 0;
  let quarantinedCount = 0;
  const ticks: AnyTick[] = [];
  let oldest: number | null = null;
  // What is the same for every record of a partition is built once per partition, not per record.
  let topic: string | undefined;
  let partition: number | undefined;
  let partitionKey = '';
  let lineage = Buffer.alloc(0);
  let lastGroup: PlannedObject | undefined;
  let lastGroupPartition = '';
  // The previous group's UTC day as the ISO text of its first instant and of the next day's: a tick of that day
  // is told by two string comparisons (a prefix test costs several times more, once per record).
  let lastDayStart = '';
  let lastDayEnd = '';
  const rawFolder = (day: string) => `${layout.rawPrefix}/dt=${day}/`;
  const quarantineFolder = (dt: string) => `${layout.quarantinePrefix}/dt=${dt}/`;
  for (const group of Object.values(batch.records)) {
    for (const record of group) {
      records++;
      if (oldest === null || record.timestamp < oldest) oldest = record.timestamp;
      if (record.topic !== topic || record.partition !== partition) {
        topic = record.topic;
        partition = record.partition;
        partitionKey = `${topic}\u0000${partition}\u0000`;
        lineage = Buffer.from(lineagePrefix(topic, partition));
      }
      const checked = decodeRecord(record);
      if (checked.ok) {
        ticks.push(checked.tick);
        if (onTick !== undefined) onTick(checked.tick);
        // A partition's ticks mostly arrive in time order: the previous record's group is the likely one.
        let object: PlannedObject;
        if (
          lastGroup !== undefined &&
          lastGroupPartition === partitionKey &&
          checked.timestamp >= lastDayStart &&
          checked.timestamp < lastDayEnd
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
          const dayStartMs = Date.parse(day);
          lastDayStart = toIso(dayStartMs);
          lastDayEnd = toIso(dayStartMs + DAY_MS);
        }
        object.body.appendLineWithNumber(checked.bytes, checked.brace, lineage, record.offset);
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
    ticks,
  };
}
