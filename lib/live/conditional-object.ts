import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { TickstreamError } from '../shared/errors';
import { sleep as realSleep } from '../shared/time';

/** The slice of an S3 client a conditional update uses: the real client, a mock, or a stub. */
export interface ObjectStore {
  send(command: GetObjectCommand | PutObjectCommand): Promise<unknown>;
}

/** Raised when an object kept changing under every attempt to update it; the same again may succeed. */
export class ConditionalUpdateError extends TickstreamError {
  override name = 'ConditionalUpdateError';
  constructor(
    readonly key: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`s3 object ${key} changed under each of ${attempts} attempts to update it`, {
      cause,
      retriable: true,
    });
  }
}

const nameOf = (error: unknown) => (error as { name?: string } | null)?.name ?? '';
const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;

/** Another writer got there first: 412 PreconditionFailed, or 409 ConditionalRequestConflict (a write in flight). */
export function isLostRace(error: unknown): boolean {
  const name = nameOf(error);
  const status = statusOf(error);
  return (
    name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412 || status === 409
  );
}

const isMissing = (error: unknown) => nameOf(error) === 'NoSuchKey' || statusOf(error) === 404;

/** An object's text and the ETag it was read at. */
export interface VersionedText {
  text: string;
  etag: string;
}

/** An object's text and the ETag it was read at, or null when there is none. */
export async function readVersioned(
  s3: ObjectStore,
  bucket: string,
  key: string,
): Promise<VersionedText | null> {
  try {
    const object = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))) as {
      Body?: { transformToString(): Promise<string> };
      ETag?: string;
    };
    return { text: (await object.Body?.transformToString()) ?? '', etag: object.ETag ?? '' };
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

export interface ConditionalUpdateOptions<T> {
  s3: ObjectStore;
  bucket: string;
  key: string;
  /** The value when the object does not exist yet. */
  initial: () => T;
  parse: (text: string) => T;
  /** The new value, or null to leave the object as it is. Called again on a fresh read after a lost race. */
  change: (current: T) => T | null;
  /**
   * The first attempt, when the caller has made it already: the version it read (null: none) and the new value
   * it made from it (null: leave the object as it is). It is written as any attempt is; after a lost race the
   * next attempt reads again and calls `change`.
   */
  firstAttempt?: { read: VersionedText | null; next: T | null };
  contentType?: string;
  cacheControl?: string;
  /** Attempts before giving up (default 8). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Read, change, write with S3 conditional writes: the write names the ETag it read (`If-Match`), or that there
 * was no object (`If-None-Match: *`), so of two writers that read the same version only one succeeds; the other
 * reads again and re-applies its change. No update is ever lost, and no lock or table is needed.
 *
 * @returns what was written (null when `change` left the object as it was) and the attempts it took.
 */
export async function updateConditionally<T>(
  options: ConditionalUpdateOptions<T>,
): Promise<{ value: T | null; attempts: number }> {
  const { s3, bucket, key, maxAttempts = 8, sleep = realSleep, random = Math.random } = options;
  let lastRace: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const prepared = attempt === 1 ? options.firstAttempt : undefined;
    const read = prepared ? prepared.read : await readVersioned(s3, bucket, key);
    const next = prepared
      ? prepared.next
      : options.change(read === null ? options.initial() : options.parse(read.text));
    if (next === null) return { value: null, attempts: attempt };
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(next),
          ContentType: options.contentType ?? 'application/json',
          ...(options.cacheControl ? { CacheControl: options.cacheControl } : {}),
          ...(read === null ? { IfNoneMatch: '*' } : { IfMatch: read.etag }),
        }),
      );
      return { value: next, attempts: attempt };
    } catch (error) {
      if (!isLostRace(error)) throw error;
      lastRace = error;
      // Jittered, growing pauses: concurrent writers of one object are few (a mapping's partitions).
      await sleep(Math.round(random() * 25 * 2 ** Math.min(attempt, 5)));
    }
  }
  throw new ConditionalUpdateError(key, maxAttempts, lastRace);
}
