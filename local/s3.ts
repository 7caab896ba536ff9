import { mkdirSync, rmSync } from 'node:fs';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../lib/shared/s3';

/** Credentials the local endpoint accepts; it checks signatures' shape, not their secret. */
export const LOCAL_AWS_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local-secret',
  AWS_REGION: 'us-east-1',
};

export interface LocalS3 {
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
}): Promise<LocalS3> {
  mkdirSync(params.storageDir, { recursive: true });
  // fauxqs is ESM-only (no `require` export): load it with a dynamic import.
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({
    port: 0,
    host: '127.0.0.1',
    logger: false,
    s3StorageDir: params.storageDir,
  });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = createS3Client({
    region: LOCAL_AWS_CREDENTIALS.AWS_REGION,
    endpoint,
    credentials: {
      accessKeyId: LOCAL_AWS_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: LOCAL_AWS_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
  });
  for (const bucket of params.buckets) await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
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
