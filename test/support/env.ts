import type { KafkaAuth } from '../../lib/kafka/client';

/**
 * Test-side access to the environment: stubbing variables for one test, and what the global set-ups hand the
 * test files (a global set-up runs in jest's parent process; its environment variables reach every file).
 */

const originals = new Map<string, string | undefined>();

/** Sets an environment variable until the end of the current test. */
export function stubEnv(name: string, value: string): void {
  if (!originals.has(name)) originals.set(name, process.env[name]);
  process.env[name] = value;
}

/** Puts back every variable stubEnv changed; run after each test by the jest set-up. */
export function restoreStubbedEnv(): void {
  for (const [name, value] of originals) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  originals.clear();
}

/** Where the integration set-up tells the test files which broker to use. */
export const TEST_BROKERS_VARIABLE = 'TICKSTREAM_TEST_BROKERS';
/** Where the integration set-up tells the test files how to sign in to that broker (JSON, see KafkaAuth). */
export const TEST_KAFKA_AUTH_VARIABLE = 'TICKSTREAM_TEST_KAFKA_AUTH';
/** Where the template set-up tells the test files which folder holds the packaged templates. */
export const TEST_TEMPLATES_VARIABLE = 'TICKSTREAM_TEST_TEMPLATES';

/** The broker the integration set-up started (or KAFKA_BROKERS named). */
export function testBrokers(): string[] {
  const value = process.env[TEST_BROKERS_VARIABLE];
  if (!value) throw new Error(`${TEST_BROKERS_VARIABLE} is not set: run integration tests through jest`);
  return value.split(',');
}

/** How to sign in to the test broker: SASL_SSL with its CA and user, or plaintext (`{}`) for a KAFKA_BROKERS one. */
export function testKafkaAuth(): KafkaAuth {
  return JSON.parse(process.env[TEST_KAFKA_AUTH_VARIABLE] ?? '{}') as KafkaAuth;
}

/**
 * The level of the functions' Powertools logs in tests: SILENT unless `TEST_LOG_LEVEL` asks for more
 * (`TEST_LOG_LEVEL=DEBUG npm test` shows them).
 */
export function testLogLevel(): string {
  return process.env.TEST_LOG_LEVEL ?? 'SILENT';
}
