import { z } from 'zod';
import { bucketName, type Environment, parseEnvironment, positiveInt } from '../shared/environment';
import { type S3Settings, s3Environment, s3Settings } from '../shared/s3-settings';

const landerEnvironment = z.object({
  ...s3Environment,
  DATA_BUCKET: bucketName,
  RAW_PREFIX: z.string().min(1).default('raw/stock_ticks'),
  QUARANTINE_PREFIX: z.string().min(1).default('quarantine/stock_ticks'),
  GZIP_LEVEL: z.coerce.number().int().min(1).max(9).default(6),
  S3_WRITE_CONCURRENCY: positiveInt(8, 64),
});

export interface LanderConfig {
  bucket: string;
  layout: { rawPrefix: string; quarantinePrefix: string };
  gzipLevel: number;
  writeConcurrency: number;
  s3: S3Settings;
}

/** Parses the landTicks function's settings. */
export function loadLanderConfig(env: Environment = process.env): LanderConfig {
  const parsed = parseEnvironment(landerEnvironment, env);
  return {
    bucket: parsed.DATA_BUCKET,
    layout: {
      rawPrefix: parsed.RAW_PREFIX.replace(/\/+$/, ''),
      quarantinePrefix: parsed.QUARANTINE_PREFIX.replace(/\/+$/, ''),
    },
    gzipLevel: parsed.GZIP_LEVEL,
    writeConcurrency: parsed.S3_WRITE_CONCURRENCY,
    s3: s3Settings(parsed),
  };
}
