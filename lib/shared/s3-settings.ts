import { z } from 'zod';

/** The S3 client's settings: the region and, for the local stack only, an S3-compatible endpoint. */
export interface S3Settings {
  region: string;
  endpoint: string | undefined;
}

/** The variables the S3 settings come from. */
export const s3Environment = {
  // Only the local stack sets S3_ENDPOINT: an S3-compatible endpoint reached path-style.
  S3_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
};

/** The S3 settings of a parsed environment. */
export function s3Settings(parsed: { AWS_REGION: string; S3_ENDPOINT?: string | undefined }): S3Settings {
  return { region: parsed.AWS_REGION, endpoint: parsed.S3_ENDPOINT };
}
