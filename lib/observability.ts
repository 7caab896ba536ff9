import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One structured JSON logger per function; `POWERTOOLS_LOG_LEVEL` sets its level. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/** CloudWatch metrics (embedded metric format) in the `tickstream` namespace, one set per function. */
export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: 'tickstream', serviceName });
}
