import { Kafka, type KafkaConfig, type LogEntry, logLevel } from 'kafkajs';
import type { KafkaSettings, SaslCredentials } from './settings';

/** The slice of a structured logger (Powertools') that kafkajs logs go to. */
export interface KafkaLogTarget {
  error(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  info(message: string, extra: Record<string, unknown>): void;
  debug(message: string, extra: Record<string, unknown>): void;
}

// kafkajs' own table of protocol errors (it has no public export of it; 2.2.4 is its final release). The
// retriable ones are states a client waits out: a fresh broker's "coordinator is loading", a leader election.
const { errorCodes } = require('kafkajs/src/protocol/error') as {
  errorCodes: { message: string; retriable: boolean }[];
};
const RETRIABLE_MESSAGES = new Set(errorCodes.filter((code) => code.retriable).map((code) => code.message));

/**
 * Whether a kafkajs ERROR log line reports a state kafkajs retries by itself: a retriable protocol error, or a
 * connection attempt with retries left. If the retries run out, the call fails and the caller reports it.
 */
export function isTransientKafkaLog(log: Record<string, unknown>): boolean {
  const error = typeof log.error === 'string' ? log.error : '';
  return RETRIABLE_MESSAGES.has(error) || log.retryCount !== undefined;
}

/**
 * kafkajs' warning at the creation of an idempotent producer whose retries are counted: the publisher counts
 * them on purpose, and says what exactly-once covers (lib/produce/publisher.ts).
 */
export const LIMITED_RETRIES_WARNING =
  'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/**
 * A kafkajs `logCreator` that sends its logs to a structured logger at their own level, except that ERROR lines
 * for transient states (see isTransientKafkaLog) are warnings: nothing has failed yet; and the decided
 * LIMITED_RETRIES_WARNING is debug.
 */
export function kafkaLogCreator(target: KafkaLogTarget) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const fields = { logger: 'kafkajs', namespace, ...extra };
      if (message === LIMITED_RETRIES_WARNING) target.debug(message, fields);
      else if (level === logLevel.ERROR && !isTransientKafkaLog(extra)) target.error(message, fields);
      else if (level <= logLevel.WARN) target.warn(message, fields);
      else if (level === logLevel.INFO) target.info(message, fields);
      else target.debug(message, fields);
    };
}

/**
 * A kafkajs client with a bounded connect/retry budget taken from the settings; its logs go to `logger` (the
 * function's), or nowhere.
 */
export function createKafkaClient(settings: KafkaSettings, logger?: KafkaLogTarget): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    retry: { retries: settings.retries, initialRetryTime: 200, maxRetryTime: 2000 },
    ...kafkaAuthOptions(settings),
    ...(logger
      ? { logLevel: logLevel.INFO, logCreator: kafkaLogCreator(logger) }
      : { logLevel: logLevel.NOTHING }),
  });
}

/** How a client proves itself to a SASL_SSL listener: TLS (with the private CA to trust) and a SASL user. */
export interface KafkaAuth {
  ssl?: { ca?: string[] } | undefined;
  sasl?: SaslCredentials | undefined;
}

/** The kafkajs options for an auth (none for plaintext). */
export function kafkaAuthOptions(auth: KafkaAuth | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(auth?.ssl ? { ssl: auth.ssl.ca ? { ca: auth.ssl.ca } : true } : {}),
    ...(auth?.sasl ? { sasl: auth.sasl } : {}),
  };
}
