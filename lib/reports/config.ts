import { z } from 'zod';
import { type LiveLayout, liveLayout } from '../live/live-layout';
import { bucketName, type Environment, parseEnvironment } from '../shared/environment';
import { type S3Settings, s3Environment, s3Settings } from '../shared/s3-settings';

const publisherEnvironment = z.object({
  ...s3Environment,
  RESULTS_BUCKET: bucketName,
  LIVE_PREFIX: z.string().min(1).default('live'),
  STAGE: z.string().min(1).default('dev'),
});

export interface PublisherConfig {
  bucket: string;
  /** The live objects: the dashboard shows the alerts and links the live page, which each run rewrites. */
  live: LiveLayout;
  stage: string;
  s3: S3Settings;
}

/** Parses the publishReports function's settings. */
export function loadPublisherConfig(env: Environment = process.env): PublisherConfig {
  const parsed = parseEnvironment(publisherEnvironment, env);
  return {
    bucket: parsed.RESULTS_BUCKET,
    live: liveLayout(parsed.LIVE_PREFIX),
    stage: parsed.STAGE,
    s3: s3Settings(parsed),
  };
}

const plannerEnvironment = z.object({
  ...s3Environment,
  RESULTS_BUCKET: bucketName,
  REPORTS_FINALIZE_AFTER_MINUTES: z.coerce.number().int().min(0).max(720),
});

export interface PlannerConfig {
  bucket: string;
  /** Minutes after midnight UTC before the day that ended is finalized. */
  finalizeAfterMinutes: number;
  s3: S3Settings;
}

/** Parses the planReports function's settings. */
export function loadPlannerConfig(env: Environment = process.env): PlannerConfig {
  const parsed = parseEnvironment(plannerEnvironment, env);
  return {
    bucket: parsed.RESULTS_BUCKET,
    finalizeAfterMinutes: parsed.REPORTS_FINALIZE_AFTER_MINUTES,
    s3: s3Settings(parsed),
  };
}
