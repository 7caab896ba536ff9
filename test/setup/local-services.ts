import { join } from 'node:path';
import { type RunningBroker, startBroker } from '../../local/services/kafka/broker';
import { ensureTopic } from '../../local/services/kafka/readiness';
import { type RunningTrino, startTrino } from '../../local/services/trino/server';
import { loadLocalStackConfig } from '../../local/stack/config';
import { CACHE_DIR } from '../../local/support/cache';
import { TEST_BROKERS_VARIABLE, TEST_KAFKA_AUTH_VARIABLE } from '../support/env';

declare global {
  // Kept from the set-up to the teardown, which jest runs in the same parent process.
  var tickstreamTestBroker: RunningBroker | undefined;
  var tickstreamTestTrino: RunningTrino | undefined;
}

/**
 * Starts, side by side, what the integration tests share: one real local broker, listening as the deployed one
 * does (SASL_SSL with SCRAM-SHA-512), unless KAFKA_BROKERS points at one (with KAFKA_SECURITY_PROTOCOL and
 * credentials if it needs them); and one Trino server, the local Athena, unless TRINO_URL names one. Every local
 * stack of the run then makes its own catalog on that Trino (TRINO_URL, which the test files inherit).
 */
export default async function setup(): Promise<void> {
  const { externalBrokers, externalAuth, externalTrino } = loadLocalStackConfig();
  const [broker, trino] = await Promise.allSettled([
    externalBrokers ? Promise.resolve(undefined) : startBroker({ removeOnStop: true, security: 'sasl_ssl' }),
    externalTrino
      ? Promise.resolve(undefined)
      : startTrino({
          workDir: join(CACHE_DIR, 'trino-run', `tests-${process.pid}`),
          // One log, the last test run's: a person looks at it after a failure, nothing else reads it.
          logFile: join(CACHE_DIR, 'trino-run', 'tests.log'),
          heap: '3G',
        }),
  ]);
  if (broker.status === 'rejected' || trino.status === 'rejected') {
    if (broker.status === 'fulfilled') await broker.value?.stop();
    if (trino.status === 'fulfilled') await trino.value?.stop();
    throw broker.status === 'rejected' ? broker.reason : (trino as PromiseRejectedResult).reason;
  }
  if (trino.value) {
    globalThis.tickstreamTestTrino = trino.value;
    process.env.TRINO_URL = trino.value.url;
  }
  if (!broker.value) {
    process.env[TEST_BROKERS_VARIABLE] = (externalBrokers ?? []).join(',');
    process.env[TEST_KAFKA_AUTH_VARIABLE] = JSON.stringify(externalAuth);
    return;
  }
  globalThis.tickstreamTestBroker = broker.value;
  const { brokers, ...auth } = broker.value.connection;
  await ensureTopic({ brokers, auth, topic: 'warm-up', partitions: 1 });
  process.env[TEST_BROKERS_VARIABLE] = brokers.join(',');
  process.env[TEST_KAFKA_AUTH_VARIABLE] = JSON.stringify(auth);
}
