import { type AlertsState, emptyAlerts, parseAlerts } from './alerts';
import { type ObjectStore, readVersioned } from './conditional-object';
import { emptySnapshot, type LiveSnapshot, parseSnapshot } from './snapshot';

/** A stored snapshot's text parsed, or an empty snapshot when there is none yet (nothing has landed). */
export const snapshotFrom = (stored: { text: string } | null): LiveSnapshot =>
  stored === null ? emptySnapshot() : parseSnapshot(stored.text);

/** A stored alerts object's text parsed, or an empty one when there is none yet (no watch has run). */
export const alertsFrom = (stored: { text: string } | null): AlertsState =>
  stored === null ? emptyAlerts() : parseAlerts(stored.text);

/** The live snapshot as stored, or an empty one before anything has landed. */
export async function readSnapshot(s3: ObjectStore, bucket: string, key: string): Promise<LiveSnapshot> {
  return snapshotFrom(await readVersioned(s3, bucket, key));
}

/** The alerts object as stored, or an empty one before the first watch. */
export async function readAlerts(s3: ObjectStore, bucket: string, key: string): Promise<AlertsState> {
  return alertsFrom(await readVersioned(s3, bucket, key));
}
