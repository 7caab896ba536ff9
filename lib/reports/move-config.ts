import { z } from 'zod';
import { bucketName, type Environment, parseEnvironment } from '../shared/environment';
import { type S3Settings, s3Environment, s3Settings } from '../shared/s3-settings';
import type { MoveLayout } from './move';

const prefix = z
  .string()
  .regex(/^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/, 'must be a folder path without slashes at its ends');

const moverEnvironment = z.object({
  ...s3Environment,
  DATA_BUCKET: bucketName,
  RAW_PREFIX: prefix,
  ARCHIVE_PREFIX: prefix,
  MOVES_PREFIX: prefix,
  GLUE_DATABASE: z.string().regex(/^[a-z0-9_]+$/, 'must be a Glue database name'),
});

export interface MoverConfig {
  bucket: string;
  layout: MoveLayout;
  database: string;
  s3: S3Settings;
}

/** Parses the moveTicks function's settings. */
export function loadMoverConfig(env: Environment = process.env): MoverConfig {
  const parsed = parseEnvironment(moverEnvironment, env);
  return {
    bucket: parsed.DATA_BUCKET,
    layout: {
      rawPrefix: parsed.RAW_PREFIX,
      archivePrefix: parsed.ARCHIVE_PREFIX,
      movesPrefix: parsed.MOVES_PREFIX,
    },
    database: parsed.GLUE_DATABASE,
    s3: s3Settings(parsed),
  };
}
