import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from '@jest/globals';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { testBrokers, testKafkaAuth, testLogLevel } from './env';

/**
 * A local stack on the shared test broker with a topic of its own. Handlers read their settings once per
 * module load, and jest loads modules once per file: so one stack per test file.
 */
export function startTestStack(): Promise<LocalStack> {
  return startLocalStack({
    stage: 'dev',
    brokers: testBrokers(),
    auth: testKafkaAuth(),
    functionLogLevel: testLogLevel(),
    topic: `ticks-${randomUUID()}`,
    batchingWindowMs: 200,
  });
}

/** Publishes through the real produceTicks handler: `minutes` schedule minutes for some symbols. */
export async function produceMinutes(stack: LocalStack, symbols: string[], minutes: number): Promise<number> {
  let published = 0;
  for (let minute = 1; minute <= minutes; minute++) {
    const time = new Date(Date.parse('2026-11-20T14:55:00Z') + minute * 60_000).toISOString();
    const summary = (await stack.invoke('produceTicks', { symbols, time })) as { published: number };
    published += summary.published;
  }
  return published;
}

/** Starts a test stack before this file's tests and stops it after them; call the result for the stack. */
export function useTestStack(): () => LocalStack {
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error('the test stack has not started');
    return stack;
  };
}
