import { S3Client } from '@aws-sdk/client-s3';
import { InvalidRequestError } from './errors';

/** What a client signs with for a local S3-compatible endpoint, which checks signatures' shape, not their secret. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local-secret' };

/**
 * An S3 client for a region, or for an S3-compatible endpoint (the local stand-ins only) reached path-style and
 * signed with {@link LOCAL_S3_CREDENTIALS} unless given others: `sls invoke local` needs no AWS credentials.
 * Created once per module and reused across invocations.
 */
export function createS3Client(params: {
  region: string;
  endpoint?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}): S3Client {
  const { region, endpoint, credentials } = params;
  return endpoint
    ? new S3Client({
        region,
        endpoint,
        forcePathStyle: true,
        credentials: credentials ?? LOCAL_S3_CREDENTIALS,
      })
    : new S3Client({ region, ...(credentials ? { credentials } : {}) });
}

/** Splits an `s3://bucket/key` URL; throws on anything else. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match?.[1] || !match[2])
    throw new InvalidRequestError('S3 URL', `${url} is not an s3://bucket/key URL`);
  return { bucket: match[1], key: match[2] };
}
