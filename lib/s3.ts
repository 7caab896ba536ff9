import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client for a region, or for an S3-compatible endpoint (the local stack) reached path-style.
 * Created once per module and reused across invocations.
 */
export function createS3Client(params: {
  region: string;
  endpoint?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}): S3Client {
  const { region, endpoint, credentials } = params;
  return endpoint
    ? new S3Client({ region, endpoint, forcePathStyle: true, ...(credentials ? { credentials } : {}) })
    : new S3Client({ region, ...(credentials ? { credentials } : {}) });
}
