import { loadLocalStackConfig } from '../../lib/config';
import { ensureTopic, type RunningBroker, startBroker } from '../../local/kafka/broker';
import { TEST_BROKERS_VARIABLE } from '../support/env';

declare global {
  // Kept from the set-up to the teardown, which jest runs in the same parent process.
  var tickstreamTestBroker: RunningBroker | undefined;
}

/** Starts one real local broker for the integration tests, unless KAFKA_BROKERS points at one. */
export default async function setup(): Promise<void> {
  const { externalBrokers } = loadLocalStackConfig();
  if (externalBrokers) {
    process.env[TEST_BROKERS_VARIABLE] = externalBrokers.join(',');
    return;
  }
  const broker = await startBroker({ removeOnStop: true });
  await ensureTopic({ brokers: broker.brokers, topic: 'warm-up', partitions: 1 });
  globalThis.tickstreamTestBroker = broker;
  process.env[TEST_BROKERS_VARIABLE] = broker.brokers.join(',');
}
