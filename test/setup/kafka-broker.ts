import 'vitest';
import type { TestProject } from 'vitest/node';
import { loadLocalStackConfig } from '../../lib/config';
import { ensureTopic, startBroker } from '../../local/kafka/broker';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
  }
}

/** Starts one real local broker for the integration tests, unless KAFKA_BROKERS points at one. */
export default async function setup(project: TestProject) {
  const { externalBrokers } = loadLocalStackConfig();
  if (externalBrokers) {
    project.provide('kafkaBrokers', externalBrokers);
    return;
  }
  const broker = await startBroker({ removeOnStop: true });
  await ensureTopic({ brokers: broker.brokers, topic: 'warm-up', partitions: 1 });
  project.provide('kafkaBrokers', broker.brokers);
  return () => broker.stop();
}
