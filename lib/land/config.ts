import { z } from 'zod';
import { type LiveLayout, liveLayout } from '../live/live-layout';
import { bucketName, type Environment, parseEnvironment, positiveInt } from '../shared/environment';
import { type S3Settings, s3Environment, s3Settings } from '../shared/s3-settings';
import { DEFAULT_TIME_WINDOW, type TickTimeWindow } from './decode';
import { DEFAULT_LAYOUT, type LandingLayout } from './plan';

const landerEnvironment = z.object({
  ...s3Environment,
  DATA_BUCKET: bucketName,
  /** The results bucket, where the live snapshot is kept (under LIVE_PREFIX). */
  RESULTS_BUCKET: bucketName,
  LIVE_PREFIX: z.string().min(1).default('live'),
  RAW_PREFIX: z.string().min(1).default(DEFAULT_LAYOUT.rawPrefix),
  QUARANTINE_PREFIX: z.string().min(1).default(DEFAULT_LAYOUT.quarantinePrefix),
  GZIP_LEVEL: z.coerce.number().int().min(1).max(9).default(6),
  S3_WRITE_CONCURRENCY: positiveInt(8, 64),
  /** How far ahead of its Kafka record a tick may stand before it is quarantined. */
  LAND_MAX_AHEAD_SECONDS: positiveInt(DEFAULT_TIME_WINDOW.maxAheadMs / 1000, 86_400),
  /** The first day landing accepts (ticks before it are quarantined). */
  LAND_EARLIEST_DAY: z.iso.date().default(DEFAULT_TIME_WINDOW.earliestDay),
});

export interface LanderConfig {
  bucket: string;
  layout: LandingLayout;
  /** Where the live snapshot is: the results bucket and its live objects. */
  live: { bucket: string; layout: LiveLayout };
  timeWindow: TickTimeWindow;
  gzipLevel: number;
  writeConcurrency: number;
  s3: S3Settings;
}

/** Parses the landTicks function's settings. */
export function loadLanderConfig(env: Environment = process.env): LanderConfig {
  const parsed = parseEnvironment(landerEnvironment, env);
  return {
    bucket: parsed.DATA_BUCKET,
    live: { bucket: parsed.RESULTS_BUCKET, layout: liveLayout(parsed.LIVE_PREFIX) },
    layout: {
      rawPrefix: parsed.RAW_PREFIX.replace(/\/+$/, ''),
      quarantinePrefix: parsed.QUARANTINE_PREFIX.replace(/\/+$/, ''),
    },
    timeWindow: { maxAheadMs: parsed.LAND_MAX_AHEAD_SECONDS * 1000, earliestDay: parsed.LAND_EARLIEST_DAY },
    gzipLevel: parsed.GZIP_LEVEL,
    writeConcurrency: parsed.S3_WRITE_CONCURRENCY,
    s3: s3Settings(parsed),
  };
}
