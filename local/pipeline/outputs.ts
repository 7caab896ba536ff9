import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/**
 * Where `npm run pipeline` leaves what it made, for a person to open (ignored by git). Each run replaces it:
 * `s3/<bucket>/<key>` (every object of the run's buckets, as plain files), `logs/functions.log`, `logs/trino.log`
 * (the local Athena's own log) and `run.json`.
 */
export const LOCAL_RUN_DIR = resolve(__dirname, '..', '..', 'local-run');

/** Where one run's outputs go. */
export interface RunFolder {
  dir: string;
  functionLog: string;
  /** Trino's own log: the local Athena's start-up and warnings, kept off the screen. */
  trinoLog: string;
  summary: string;
  /** Where an object of a local bucket is mirrored: `<dir>/s3/<bucket>/<key>`. */
  objectPath(bucket: string, key: string): string;
}

/** Empties the folder for a new run and returns its layout. */
export function prepareRunFolder(dir: string = LOCAL_RUN_DIR): RunFolder {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  return {
    dir,
    functionLog: join(dir, 'logs', 'functions.log'),
    trinoLog: join(dir, 'logs', 'trino.log'),
    summary: join(dir, 'run.json'),
    objectPath: (bucket: string, key: string) => join(dir, 's3', bucket, key),
  };
}

/** Copies every object of the buckets to `<dir>/s3/<bucket>/<key>` through the S3 API; returns the count. */
export async function mirrorBuckets(params: {
  client: S3Client;
  buckets: readonly string[];
  objectPath: (bucket: string, key: string) => string;
}): Promise<number> {
  let copied = 0;
  for (const bucket of params.buckets) {
    let token: string | undefined;
    do {
      const page = await params.client.send(
        new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
      );
      for (const { Key: key } of page.Contents ?? []) {
        if (!key) continue;
        const object = await params.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const file = params.objectPath(bucket, key);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
        copied++;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return copied;
}
