import { mkdirSync, rmSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client, parseS3Url } from '../../../lib/shared/s3';
import type { LocalService } from '../service';
import { startConditionalWrites } from './conditional-writes';

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
  /** The S3 endpoint the functions and tools use, with S3's conditional writes (If-Match, If-None-Match: *). */
  endpoint: string;
  /** The stand-in itself, without conditional writes: for readers that only read and write whole files (Trino). */
  plainEndpoint: string;
  /** The local SNS (the same stand-in): what was published to each topic created with `topics`. */
  published(topicName: string): { subject: string | undefined; message: string }[];
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
  /** SNS topics to create (the stack's alerts topic); what is published to them is kept for `published`. */
  topics?: string[];
}): Promise<LocalS3> {
  mkdirSync(params.storageDir, { recursive: true });
  // fauxqs is ESM-only (no `require` export): load it with a dynamic import.
  const { startFauxqs } = await import('fauxqs');
  // The stand-in takes any free port; the fixed one (if any) is the conditional-writes proxy's, which clients use.
  const server = await startFauxqs({
    port: 0,
    host: '127.0.0.1',
    logger: false,
    s3StorageDir: params.storageDir,
  });
  const plainEndpoint = `http://127.0.0.1:${server.port}`;
  const conditional = await startConditionalWrites({
    upstream: plainEndpoint,
    ...(params.port === undefined ? {} : { port: params.port }),
  });
  const endpoint = conditional.endpoint;
  const client = createS3Client({ region: LOCAL_REGION, endpoint });
  // Each topic delivers to a queue of its own, which is only inspected: what was published stays readable.
  for (const topic of params.topics ?? []) {
    server.createTopic(topic, { region: LOCAL_REGION });
    server.createQueue(`${topic}-published`, { region: LOCAL_REGION });
    server.subscribe({ topic, queue: `${topic}-published`, region: LOCAL_REGION });
  }
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
    plainEndpoint,
    published(topicName) {
      const queue = server.inspectQueue(`${topicName}-published`);
      if (queue === undefined) throw new Error(`the local SNS has no topic ${topicName}`);
      return queue.messages.ready.map((message) => {
        const envelope = JSON.parse(message.body) as { Subject?: string; Message: string };
        return { subject: envelope.Subject, message: envelope.Message };
      });
    },
    storageDir: params.storageDir,
    client,
    async stop() {
      client.destroy();
      await conditional.stop();
      await server.stop();
      if (params.removeOnStop) rmSync(params.storageDir, { recursive: true, force: true });
    },
  };
}
