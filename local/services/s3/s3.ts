import { mkdirSync, rmSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client, parseS3Url } from '../../../lib/shared/s3';
import type { LocalService } from '../service';

/** The buckets serverless.yml's `local` stage names (custom.functionValues.local), for sls invoke local. */
export const LOCAL_STAGE_BUCKETS = ['tickstream-local-data', 'tickstream-local-results'];

/** The region the local stand-ins answer for. */
export const LOCAL_REGION = 'us-east-1';

/** The text of the object at an `s3://bucket/key` URL (a report's CSV, a manifest), as the local S3 serves it. */
export async function readS3Text(client: S3Client, url: string): Promise<string> {
  const { bucket, key } = parseS3Url(url);
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString()) ?? '';
}

export interface LocalS3 extends LocalService {
  endpoint: string;
  /** Objects are plain files here (`buckets/<bucket>/objects/<key>.data`), so local readers see them. */
  storageDir: string;
  client: S3Client;
  stop(): Promise<void>;
}

/**
 * An S3-compatible endpoint on 127.0.0.1 (fauxqs, in this process) with the given buckets created, reached
 * through the real `@aws-sdk/client-s3`.
 */
export async function startLocalS3(params: {
  storageDir: string;
  buckets: string[];
  removeOnStop?: boolean;
  /** The port to listen on (default: one the OS picks). */
  port?: number;
}): Promise<LocalS3> {
  mkdirSync(params.storageDir, { recursive: true });
  // fauxqs is ESM-only (no `require` export): load it with a dynamic import.
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({
    port: params.port ?? 0,
    host: '127.0.0.1',
    logger: false,
    s3StorageDir: params.storageDir,
  });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = createS3Client({ region: LOCAL_REGION, endpoint });
  for (const bucket of params.buckets)
    await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
      // A storage folder kept from an earlier run already holds the bucket.
      if (
        (error as Error).name !== 'BucketAlreadyOwnedByYou' &&
        (error as Error).name !== 'BucketAlreadyExists'
      )
        throw error;
    });
  return {
    description: `local S3 at ${endpoint} (objects under ${params.storageDir})`,
    async health() {
      // Its buckets are there, answered through the real SDK.
      const { Buckets = [] } = await client.send(new ListBucketsCommand({}));
      const missing = params.buckets.filter((bucket) => !Buckets.some((listed) => listed.Name === bucket));
      if (missing.length > 0) throw new Error(`the local S3 lacks the buckets ${missing.join(', ')}`);
    },
    endpoint,
    storageDir: params.storageDir,
    client,
    async stop() {
      client.destroy();
      await server.stop();
      if (params.removeOnStop) rmSync(params.storageDir, { recursive: true, force: true });
    },
  };
}
