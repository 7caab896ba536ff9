import type { AnyTick } from '../contract/tick';
import {
  type ObjectStore,
  readVersioned,
  updateConditionally,
  type VersionedText,
} from './conditional-object';
import { LIVE_CACHE_CONTROL } from './live-layout';
import {
  emptySnapshot,
  type FoldResult,
  foldTicks,
  type LiveSnapshot,
  parseSnapshot,
  SnapshotFold,
} from './snapshot';

/** What folding one batch into the live snapshot did. */
export interface SnapshotUpdate {
  /** Ticks that moved a symbol forward (0: the snapshot was left as it was, e.g. a re-drive). */
  applied: number;
  /** Reads and writes it took: more than 1 when another partition's batch wrote in between. */
  attempts: number;
  /** When the snapshot was written (epoch ms), or null when it was left as it was. */
  writtenAtMs: number | null;
  /** The oldest timestamp of the ticks written (epoch ms), for the freshness metric. */
  oldestAppliedMs: number | null;
}

/** Where the live snapshot is, and the clocks its update uses. */
interface SnapshotUpdateParams {
  s3: ObjectStore;
  bucket: string;
  key: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The live snapshot's update, read and folded ahead: the version read, and the fold of the batch's ticks into it. */
interface PreparedUpdate {
  read: VersionedText | null;
  fold: SnapshotFold;
}

/**
 * Folds a batch's ticks into the live snapshot object with a conditional write (lib/live/conditional-object.ts):
 * batches of several partitions landing at once each apply their ticks to the version the other left, and
 * ticks already in it change nothing, so a retried or re-driven batch writes nothing.
 */
export function updateSnapshot(
  params: SnapshotUpdateParams & { ticks: readonly AnyTick[] },
): Promise<SnapshotUpdate> {
  return applyToSnapshot(params, undefined);
}

/** {@link updateSnapshot}, its first attempt the prepared one when there is one. */
async function applyToSnapshot(
  params: SnapshotUpdateParams & { ticks: readonly AnyTick[] },
  prepared: PreparedUpdate | undefined,
): Promise<SnapshotUpdate> {
  const { now = Date.now, ticks } = params;
  if (ticks.length === 0) return { applied: 0, attempts: 0, writtenAtMs: null, oldestAppliedMs: null };
  let applied = 0;
  let oldest: string | null = null;
  const kept = (folded: FoldResult) => {
    applied = folded.applied;
    oldest = folded.oldestApplied;
    return folded.applied === 0 ? null : folded.snapshot;
  };
  const landedAt = () => new Date(now()).toISOString();
  const { value, attempts } = await updateConditionally<LiveSnapshot>({
    s3: params.s3,
    bucket: params.bucket,
    key: params.key,
    initial: emptySnapshot,
    parse: parseSnapshot,
    cacheControl: LIVE_CACHE_CONTROL,
    ...(params.sleep ? { sleep: params.sleep } : {}),
    change: (current) => kept(foldTicks(current, ticks, landedAt())),
    ...(prepared
      ? { firstAttempt: { read: prepared.read, next: kept(prepared.fold.result(ticks, landedAt())) } }
      : {}),
  });
  return {
    applied,
    attempts,
    writtenAtMs: value === null ? null : now(),
    oldestAppliedMs: value === null || oldest === null ? null : Date.parse(oldest),
  };
}

/** A live snapshot update begun before its batch is landed: see {@link beginSnapshotUpdate}. */
export interface SnapshotUpdateInProgress {
  /** Folds in the batch's next tick, in the batch's order (landing's `onTick`). */
  offer(tick: AnyTick): void;
  /**
   * Writes the snapshot once the batch is landed. `ticks` are the ticks offered, in the same order: when another
   * partition's batch wrote the snapshot since it was read, they are folded into that version (as
   * {@link updateSnapshot} does).
   */
  finish(ticks: readonly AnyTick[]): Promise<SnapshotUpdate>;
}

/**
 * Begins the live snapshot's update for one batch: reads the snapshot now, before the batch is landed, so that
 * each tick is folded in as landing decodes it (lib/live/snapshot.ts, SnapshotFold). The fold is the conditional
 * update's first attempt, written after landing only if no other batch wrote the snapshot in between; if one
 * did, the next attempt folds the batch into the newer version. The snapshot is still written only after its
 * ticks are landed.
 */
export async function beginSnapshotUpdate(params: SnapshotUpdateParams): Promise<SnapshotUpdateInProgress> {
  let prepared: PreparedUpdate | undefined;
  try {
    const read = await readVersioned(params.s3, params.bucket, params.key);
    prepared = { read, fold: new SnapshotFold(read === null ? emptySnapshot() : parseSnapshot(read.text)) };
  } catch {
    // Landing goes ahead without the early fold: the update after it reads again, and fails the batch (which is
    // then retried) if the snapshot still cannot be read.
    prepared = undefined;
  }
  const fold = prepared?.fold;
  return {
    offer: fold === undefined ? () => undefined : (tick) => fold.offer(tick),
    finish: (ticks) => applyToSnapshot({ ...params, ticks }, prepared),
  };
}
