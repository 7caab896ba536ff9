import { z } from 'zod';
import { bucketName, type Environment, parseEnvironment, positiveInt } from '../shared/environment';
import { type S3Settings, s3Environment, s3Settings } from '../shared/s3-settings';
import { type AlertThresholds, DEFAULT_THRESHOLDS, type MarketHours } from './alerts';
import { type LiveLayout, liveLayout } from './live-layout';

const watchEnvironment = z.object({
  ...s3Environment,
  RESULTS_BUCKET: bucketName,
  LIVE_PREFIX: z.string().min(1).default('live'),
  ALERTS_TOPIC_ARN: z.string().regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN'),
  STAGE: z.string().min(1).default('dev'),
  ALERT_SILENT_MINUTES: positiveInt(DEFAULT_THRESHOLDS.silentMinutes, 1440),
  ALERT_FEED_STALLED_MINUTES: positiveInt(DEFAULT_THRESHOLDS.feedStalledMinutes, 1440),
  ALERT_JUMP_SIGMA: z.coerce.number().positive().max(100).default(DEFAULT_THRESHOLDS.jumpSigma),
  ALERT_JUMP_MIN_PERCENT: z.coerce.number().nonnegative().max(100).default(DEFAULT_THRESHOLDS.jumpMinPercent),
  ALERT_MARKET_HOURS: z.enum(['us', 'always']).default('always'),
});

export interface WatchConfig {
  bucket: string;
  layout: LiveLayout;
  topicArn: string;
  stage: string;
  thresholds: AlertThresholds;
  marketHours: MarketHours;
  s3: S3Settings;
}

/** Parses the watchMarket function's settings. */
export function loadWatchConfig(env: Environment = process.env): WatchConfig {
  const parsed = parseEnvironment(watchEnvironment, env);
  return {
    bucket: parsed.RESULTS_BUCKET,
    layout: liveLayout(parsed.LIVE_PREFIX),
    topicArn: parsed.ALERTS_TOPIC_ARN,
    stage: parsed.STAGE,
    thresholds: {
      ...DEFAULT_THRESHOLDS,
      silentMinutes: parsed.ALERT_SILENT_MINUTES,
      feedStalledMinutes: parsed.ALERT_FEED_STALLED_MINUTES,
      jumpSigma: parsed.ALERT_JUMP_SIGMA,
      jumpMinPercent: parsed.ALERT_JUMP_MIN_PERCENT,
    },
    marketHours: parsed.ALERT_MARKET_HOURS,
    s3: s3Settings(parsed),
  };
}
