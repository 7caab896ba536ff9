import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { loadLanderConfig } from '../../lib/land/config';
import { loadWatchConfig } from '../../lib/live/watch-config';
import { loadProducerConfig } from '../../lib/produce/config';
import { loadPlannerConfig, loadPublisherConfig } from '../../lib/reports/config';
import type { MoveStorage, PartsCatalog } from '../../lib/reports/move';
import { loadMoverConfig } from '../../lib/reports/move-config';
import type { Environment } from '../../lib/shared/environment';
import { createBackfillHistory } from './backfill-history';
import type { BuiltFunction } from './function';
import { createLandTicks } from './land-ticks';
import { createMoveTicks } from './move-ticks';
import { createPlanReports } from './plan-reports';
import { createProduceTicks } from './produce-ticks';
import { createPublishReports } from './publish-reports';
import { createWatchMarket } from './watch-market';

/**
 * What the local stack gives every function it builds: its own logger and metrics, the local S3 client and the
 * local catalog's partitions.
 */
export interface LocalCollaborators {
  logger: Logger;
  metrics: Metrics;
  s3: S3Client;
  /** The local SNS, where the alerts topic is. */
  sns: SNSClient;
  glue: PartsCatalog;
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
  moveTicks: {
    service: 'move-ticks',
    build: (env, { logger, s3, glue }) =>
      createMoveTicks(loadMoverConfig(env), { logger, s3: s3 as unknown as MoveStorage, glue }),
  },
  publishReports: {
    service: 'publish-reports',
    build: (env, { logger, s3 }) => createPublishReports(loadPublisherConfig(env), { logger, s3 }),
  },
  watchMarket: {
    service: 'watch-market',
    build: (env, { logger, metrics, s3, sns }) =>
      createWatchMarket(loadWatchConfig(env), { logger, metrics, s3, sns }),
  },
};
