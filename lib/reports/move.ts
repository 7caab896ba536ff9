import {
  BatchDeletePartitionCommand,
  type BatchDeletePartitionCommandOutput,
  GetPartitionsCommand,
  type GetPartitionsCommandOutput,
} from '@aws-sdk/client-glue';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { TickstreamError } from '../shared/errors';
import { COLUMNAR_TICKS_TABLE, columnarPartInsert, compactionInsert, partName } from './columnar';

/** Where a move reads, writes and keeps things in the data bucket (serverless.yml `custom.data`). */
export interface MoveLayout {
  /** The landing folder: what has not moved yet (`raw/stock_ticks`). */
  rawPrefix: string;
  /** Where a moved landed object is kept, under the same name (`archive/stock_ticks`). */
  archivePrefix: string;
  /** Where each move's list of objects is kept (`archive/_moves/stock_ticks`). */
  movesPrefix: string;
}

/** The layout serverless.yml gives a stage by default: tests and local tools without a stage use it. */
export const DEFAULT_MOVE_LAYOUT: MoveLayout = {
  rawPrefix: 'raw/stock_ticks',
  archivePrefix: 'archive/stock_ticks',
  movesPrefix: 'archive/_moves/stock_ticks',
};

/** The S3 calls a move makes. */
export interface MoveStorage {
  send(command: ListObjectsV2Command): Promise<ListObjectsV2CommandOutput>;
  send(command: PutObjectCommand): Promise<unknown>;
  send(command: GetObjectCommand): Promise<GetObjectCommandOutput>;
  send(command: CopyObjectCommand): Promise<unknown>;
  send(command: DeleteObjectCommand): Promise<unknown>;
}

/** The Glue calls dropping a day's older parts makes. */
export interface PartsCatalog {
  send(command: GetPartitionsCommand): Promise<GetPartitionsCommandOutput>;
  send(command: BatchDeletePartitionCommand): Promise<BatchDeletePartitionCommandOutput>;
}

/** A move or compaction that could not finish: the same again may (nothing is lost in between). */
export class MoveError extends TickstreamError {
  override name = 'MoveError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}

/** What a move's plan step returns to the workflow: the part to write and the statement that writes it. */
export interface MovePlan {
  day: string;
  part: string;
  /** Landed objects listed for this move (0: nothing to move, the workflow skips the INSERT). */
  objects: number;
  /** The key of the move's list of objects, which the archive step reads. */
  manifest: string;
  /** The INSERT that writes the part (Athena's QueryString). */
  insert: string;
}

const ManifestSchema = z.object({ day: z.string(), part: z.string(), keys: z.array(z.string()) });

async function listKeys(s3: MoveStorage, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/**
 * Plans a move of one day: deletes what is due (see {@link deleteDue}), lists the day's landed objects and keeps
 * the list as the move's manifest, before the INSERT runs. Every listed object is complete and in the landing
 * folder when the INSERT reads it, so the part holds its ticks; an object landing later may be read too, and
 * stays in the landing folder for the next move (the view counts its ticks once either way, and the next part
 * leaves out the records a part already holds). Only the listed objects are archived after the INSERT.
 */
export async function planMove(params: {
  s3: MoveStorage;
  bucket: string;
  layout: MoveLayout;
  day: string;
  now: Date;
}): Promise<MovePlan> {
  const { s3, bucket, layout, day } = params;
  // What earlier moves and compactions left for deletion, once no query that began before them can still read it.
  await deleteDue({ s3, bucket, layout, now: params.now });
  const part = partName(params.now);
  const insert = columnarPartInsert(day, part);
  const keys = await listKeys(s3, bucket, `${layout.rawPrefix}/dt=${day}/`);
  const manifest = `${layout.movesPrefix}/dt=${day}/${part}.json`;
  if (keys.length > 0)
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: manifest,
        Body: JSON.stringify({ day, part, keys }),
        ContentType: 'application/json',
      }),
    );
  return { day, part, objects: keys.length, manifest, insert };
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const isMissing = (error: unknown) =>
  (error as { name?: string }).name === 'NoSuchKey' || (error as { name?: string }).name === 'NotFound';

/**
 * How long a moved object (or a replaced part's files) stays readable before it is deleted: a query that listed
 * it before the move must still be able to open it. Less than an hour, so the next hourly run deletes it.
 */
export const DELETION_GRACE_MS = 55 * 60_000;

const PendingSchema = z.object({
  keys: z.array(z.string()).default([]),
  prefixes: z.array(z.string()).default([]),
});

/** Where deletions wait: one object each, named by when it is due (so a listing gives them in due order). */
const pendingPrefix = (layout: MoveLayout) => `${layout.movesPrefix}/_pending/`;

/** Keeps a deletion of `keys` and of every object under `prefixes`, due `DELETION_GRACE_MS` after `now`. */
async function enqueueDeletion(params: {
  s3: MoveStorage;
  bucket: string;
  layout: MoveLayout;
  now: Date;
  name: string;
  keys?: string[];
  prefixes?: string[];
}): Promise<string> {
  const due = new Date(params.now.getTime() + DELETION_GRACE_MS).toISOString();
  const key = `${pendingPrefix(params.layout)}${due}-${params.name}.json`;
  await params.s3.send(
    new PutObjectCommand({
      Bucket: params.bucket,
      Key: key,
      Body: JSON.stringify({ keys: params.keys ?? [], prefixes: params.prefixes ?? [] }),
      ContentType: 'application/json',
    }),
  );
  return key;
}

/**
 * Carries out every deletion due by `now`: the listed objects and everything under the listed prefixes, then the
 * pending entry itself (so a failure midway is finished by the next run). A key already gone is no error.
 */
export async function deleteDue(params: {
  s3: MoveStorage;
  bucket: string;
  layout: MoveLayout;
  now: Date;
}): Promise<{ entries: number; deleted: number }> {
  const { s3, bucket, layout } = params;
  const prefix = pendingPrefix(layout);
  const now = params.now.toISOString();
  const due = (await listKeys(s3, bucket, prefix)).filter(
    (key) => key.slice(prefix.length, prefix.length + 24) <= now,
  );
  let deleted = 0;
  for (const entryKey of due) {
    const entry = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: entryKey }));
    const pending = PendingSchema.parse(JSON.parse((await entry.Body?.transformToString()) ?? '{}'));
    const keys = [...pending.keys];
    for (const folder of pending.prefixes) keys.push(...(await listKeys(s3, bucket, folder)));
    await eachLimited(keys, 16, async (key) => {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      deleted++;
    });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: entryKey }));
  }
  return { entries: due.length, deleted };
}

/**
 * Archives the objects of a move whose part is written: each is copied under the archive prefix (same name), and
 * its deletion from the landing folder is kept for `DELETION_GRACE_MS` (a query that listed it before the part was
 * written can still open it). Until then the view reads the tick in the part and in the landing folder, and
 * counts it once; the next part leaves it out. A copy whose source is gone was archived by an earlier attempt.
 */
export async function archiveMove(params: {
  s3: MoveStorage;
  bucket: string;
  layout: MoveLayout;
  manifest: string;
  now: Date;
  concurrency?: number;
}): Promise<{ part: string; archived: number; alreadyArchived: number }> {
  const { s3, bucket, layout } = params;
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: params.manifest }));
  const manifest = ManifestSchema.parse(JSON.parse((await object.Body?.transformToString()) ?? ''));
  let archived = 0;
  let alreadyArchived = 0;
  const landed = `${layout.rawPrefix}/`;
  const copied: string[] = [];
  await eachLimited(manifest.keys, params.concurrency ?? 16, async (key) => {
    if (!key.startsWith(landed))
      throw new MoveError(`manifest ${params.manifest} names ${key}, not a landed object`);
    const target = `${layout.archivePrefix}/${key.slice(landed.length)}`;
    try {
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: target,
          CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
    } catch (error) {
      if (isMissing(error)) {
        alreadyArchived++;
        return;
      }
      throw new MoveError(`could not archive ${key}`, { cause: error });
    }
    copied.push(key);
    archived++;
  });
  if (copied.length > 0)
    await enqueueDeletion({
      s3,
      bucket,
      layout,
      now: params.now,
      name: `moved-${manifest.part}`,
      keys: copied.sort(),
    });
  return { part: manifest.part, archived, alreadyArchived };
}

/** The compaction of a finished day: a new part and the statement that writes every tick of the day into it. */
export function planCompaction(day: string, now: Date): { day: string; part: string; insert: string } {
  const part = partName(now);
  return { day, part, insert: compactionInsert(day, part) };
}

/**
 * Drops a day's parts older than `keep` (the compacted part just written) from the catalog, and keeps the deletion
 * of their files for `DELETION_GRACE_MS` (a query already reading them finishes). Readers never see the day
 * without its ticks: `keep` holds them all and outranks the older parts, which only leave the catalog after it is
 * registered; a `keep` the catalog lacks (an empty day) drops nothing.
 */
export async function dropOlderParts(params: {
  glue: PartsCatalog;
  s3: MoveStorage;
  bucket: string;
  layout: MoveLayout;
  database: string;
  day: string;
  keep: string;
  now: Date;
}): Promise<{ dropped: string[] }> {
  const { glue, s3, bucket, layout, database, day, keep } = params;
  const parts: { part: string; location: string | undefined }[] = [];
  let token: string | undefined;
  do {
    const page = await glue.send(
      new GetPartitionsCommand({
        DatabaseName: database,
        TableName: COLUMNAR_TICKS_TABLE,
        Expression: `dt = '${day}'`,
        NextToken: token,
      }),
    );
    for (const partition of page.Partitions ?? []) {
      const [dt, part] = partition.Values ?? [];
      if (dt === day && part !== undefined)
        parts.push({ part, location: partition.StorageDescriptor?.Location });
    }
    token = page.NextToken;
  } while (token !== undefined);
  if (!parts.some(({ part }) => part === keep)) return { dropped: [] };
  const older = parts.filter(({ part }) => part < keep);
  // BatchDeletePartition takes at most 25 partitions a call.
  for (let start = 0; start < older.length; start += 25) {
    const batch = older.slice(start, start + 25);
    const answer = await glue.send(
      new BatchDeletePartitionCommand({
        DatabaseName: database,
        TableName: COLUMNAR_TICKS_TABLE,
        PartitionsToDelete: batch.map(({ part }) => ({ Values: [day, part] })),
      }),
    );
    const failed = (answer.Errors ?? []).filter(
      (error) => error.ErrorDetail?.ErrorCode !== 'EntityNotFoundException',
    );
    if (failed.length > 0)
      throw new MoveError(
        `could not drop ${failed.length} older parts of ${day}: ${failed[0]?.ErrorDetail?.ErrorMessage ?? 'unknown'}`,
      );
  }
  const prefixes = older.flatMap(({ location }) => {
    const prefix = location?.match(/^s3:\/\/[^/]+\/(.+?)\/?$/)?.[1];
    return prefix === undefined ? [] : [`${prefix}/`];
  });
  if (prefixes.length > 0)
    await enqueueDeletion({ s3, bucket, layout, now: params.now, name: `replaced-by-${keep}`, prefixes });
  return { dropped: older.map(({ part }) => part) };
}

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

/** What the workflow asks moveTicks to do: one step of a day's move or of a finished day's compaction. */
export const MoveRequestSchema = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal('plan'), day: Day }),
  z.strictObject({ step: z.literal('archive'), manifest: z.string().min(1) }),
  z.strictObject({ step: z.literal('compact'), day: Day }),
  z.strictObject({ step: z.literal('drop'), day: Day, keep: z.string().regex(/^\d{8}T\d{9}Z$/) }),
]);

export type MoveRequest = z.output<typeof MoveRequestSchema>;
