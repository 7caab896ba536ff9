import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per function; `POWERTOOLS_LOG_LEVEL` sets its level. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}
