import { z } from 'zod';
import { bucketName, type Environment, parseEnvironment } from '../shared/environment';
import { type S3Settings, s3Environment, s3Settings } from '../shared/s3-settings';

const publisherEnvironment = z.object({ ...s3Environment, RESULTS_BUCKET: bucketName });

export interface PublisherConfig {
  bucket: string;
  s3: S3Settings;
}

/** Parses the publishReports function's settings. */
export function loadPublisherConfig(env: Environment = process.env): PublisherConfig {
  const parsed = parseEnvironment(publisherEnvironment, env);
  return { bucket: parsed.RESULTS_BUCKET, s3: s3Settings(parsed) };
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
