import { loadLocalStackConfig } from '../../local/config';
import { type RunningBroker, startBroker } from '../../local/kafka/broker';
import { ensureTopic } from '../../local/kafka/readiness';
import { TEST_BROKERS_VARIABLE, TEST_KAFKA_AUTH_VARIABLE } from '../support/env';

declare global {
  // Kept from the set-up to the teardown, which jest runs in the same parent process.
  var tickstreamTestBroker: RunningBroker | undefined;
}

/**
 * Starts one real local broker for the integration tests, listening as the deployed one does (SASL_SSL with
 * SCRAM-SHA-512), unless KAFKA_BROKERS points at one (with KAFKA_SECURITY_PROTOCOL and credentials if it needs them).
 */
export default async function setup(): Promise<void> {
  const { externalBrokers, externalAuth } = loadLocalStackConfig();
  if (externalBrokers) {
    process.env[TEST_BROKERS_VARIABLE] = externalBrokers.join(',');
    process.env[TEST_KAFKA_AUTH_VARIABLE] = JSON.stringify(externalAuth);
    return;
  }
  const broker = await startBroker({ removeOnStop: true, security: 'sasl_ssl' });
  const { brokers, ...auth } = broker.connection;
  await ensureTopic({ brokers, auth, topic: 'warm-up', partitions: 1 });
  globalThis.tickstreamTestBroker = broker;
  process.env[TEST_BROKERS_VARIABLE] = brokers.join(',');
  process.env[TEST_KAFKA_AUTH_VARIABLE] = JSON.stringify(auth);
}
