import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Where function logs go instead of stdout: anything with a `write(line)`, such as a file stream. */
export interface LogSink {
  write(line: string): unknown;
}

/** Powertools' logger, writing to its own sink when it was given one (one JSON object per line). */
class FunctionLogger extends Logger {
  constructor(
    options: ConstructorParameters<typeof Logger>[0],
    private readonly sink: LogSink | undefined,
  ) {
    super(options);
  }

  /** Off Lambda (sls invoke local, the local stack, tests): whether the first invocation has been logged. */
  private invokedOffLambda = false;

  /**
   * Powertools reads the cold start from AWS_LAMBDA_INITIALIZATION_TYPE, which only Lambda's runtime sets: off
   * Lambda every invocation would say `cold_start: false`. There, the module's first invocation is the cold one,
   * as on an on-demand Lambda container.
   */
  override getColdStart(): boolean {
    if (process.env.AWS_LAMBDA_INITIALIZATION_TYPE !== undefined) return super.getColdStart();
    const cold = !this.invokedOffLambda;
    this.invokedOffLambda = true;
    return cold;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (this.sink === undefined) {
      super.printLog(logLevel, log);
      return;
    }
    this.sink.write(`${JSON.stringify(log.getAttributes(), this.getJsonReplacer())}\n`);
  }
}

/**
 * One structured JSON logger per function. Its level is `logLevel` when given (the local stack gives each function
 * its own), else `POWERTOOLS_LOG_LEVEL` as Lambda sets it. It writes to stdout, the log stream on Lambda, unless it
 * is given a `sink` (the local stack gives its functions a file, so the terminal stays readable; two stacks in one
 * process each keep their own).
 */
export function createLogger(
  serviceName: string,
  options: { logLevel?: string; sink?: LogSink } = {},
): Logger {
  return new FunctionLogger(
    { serviceName, ...(options.logLevel ? { logLevel: options.logLevel as LogLevel } : {}) },
    options.sink,
  );
}

/**
 * CloudWatch metrics (embedded metric format) in the `tickstream` namespace, one set per function; its own
 * warnings (an invocation that failed before adding a metric) go to the function's logger.
 */
export function createMetrics(
  serviceName: string,
  logger: Logger,
  options: { publish?: boolean } = {},
): Metrics {
  const settings = { namespace: 'tickstream', serviceName, logger };
  return options.publish === false ? new UnpublishedMetrics(settings) : new Metrics(settings);
}

/**
 * Metrics that are counted but never written: the local stack has no CloudWatch, and its stdout is the screen.
 * (Powertools reads "disabled" only from POWERTOOLS_METRICS_DISABLED, a process-wide variable.)
 */
class UnpublishedMetrics extends Metrics {
  override publishStoredMetrics(): this {
    this.clearMetrics();
    return this;
  }
}
