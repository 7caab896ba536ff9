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

/** Splits an `s3://bucket/key` URL; throws on anything else. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match?.[1] || !match[2]) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: match[1], key: match[2] };
}
