import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadLanderConfig } from '../../lib/land/config';
import { loadProducerConfig } from '../../lib/produce/config';
import { loadPlannerConfig, loadPublisherConfig } from '../../lib/reports/config';
import type { Environment } from '../../lib/shared/environment';
import { createBackfillHistory } from './backfill-history';
import type { BuiltFunction } from './function';
import { createLandTicks } from './land-ticks';
import { createPlanReports } from './plan-reports';
import { createProduceTicks } from './produce-ticks';
import { createPublishReports } from './publish-reports';

/** What the local stack gives every function it builds: its own logger and metrics, and the local S3 client. */
export interface LocalCollaborators {
  logger: Logger;
  metrics: Metrics;
  s3: S3Client;
}

/** How to build one function from an environment (its variables only) and the local stack's collaborators. */
export interface FunctionDefinition {
  /** The service name its logs and metrics carry. */
  service: string;
  build(env: Environment, collaborators: LocalCollaborators): BuiltFunction;
}

/**
 * Every function of serverless.yml by its name there: what the local stack builds, each from its own environment
 * (a template test keeps this list equal to serverless.yml's functions).
 */
export const FUNCTIONS: Record<string, FunctionDefinition> = {
  produceTicks: {
    service: 'produce-ticks',
    build: (env, { logger }) => createProduceTicks(loadProducerConfig(env), { logger }),
  },
  backfillHistory: {
    service: 'backfill-history',
    build: (env, { logger }) => createBackfillHistory(loadProducerConfig(env), { logger }),
  },
  landTicks: {
    service: 'land-ticks',
    build: (env, collaborators) => createLandTicks(loadLanderConfig(env), collaborators),
  },
  planReports: {
    service: 'plan-reports',
    build: (env, { logger, s3 }) => createPlanReports(loadPlannerConfig(env), { logger, s3 }),
  },
  publishReports: {
    service: 'publish-reports',
    build: (env, { logger, s3 }) => createPublishReports(loadPublisherConfig(env), { logger, s3 }),
  },
};
