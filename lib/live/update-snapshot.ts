import type { AnyTick } from '../contract/tick';
import { type ObjectStore, updateConditionally } from './conditional-object';
import { LIVE_CACHE_CONTROL } from './live-layout';
import { emptySnapshot, foldTicks, type LiveSnapshot, parseSnapshot } from './snapshot';

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

/**
 * Folds a batch's ticks into the live snapshot object with a conditional write (lib/live/conditional-object.ts):
 * batches of several partitions landing at once each apply their ticks to the version the other left, and
 * ticks already in it change nothing, so a retried or re-driven batch writes nothing.
 */
export async function updateSnapshot(params: {
  s3: ObjectStore;
  bucket: string;
  key: string;
  ticks: readonly AnyTick[];
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): Promise<SnapshotUpdate> {
  const { now = Date.now } = params;
  if (params.ticks.length === 0) return { applied: 0, attempts: 0, writtenAtMs: null, oldestAppliedMs: null };
  let applied = 0;
  let oldest: string | null = null;
  const { value, attempts } = await updateConditionally<LiveSnapshot>({
    s3: params.s3,
    bucket: params.bucket,
    key: params.key,
    initial: emptySnapshot,
    parse: parseSnapshot,
    cacheControl: LIVE_CACHE_CONTROL,
    ...(params.sleep ? { sleep: params.sleep } : {}),
    change: (current) => {
      const folded = foldTicks(current, params.ticks, new Date(now()).toISOString());
      applied = folded.applied;
      oldest = folded.oldestApplied;
      return folded.applied === 0 ? null : folded.snapshot;
    },
  });
  return {
    applied,
    attempts,
    writtenAtMs: value === null ? null : now(),
    oldestAppliedMs: value === null || oldest === null ? null : Date.parse(oldest),
  };
}
