import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { localAlertsTopicName } from '../../local/stack/function-environments';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { testLogLevel } from '../support/env';

// A stack with a broker of its own: freezing the shared test broker would stall every other test file.
let stack: LocalStack | undefined;
beforeAll(async () => {
  stack = await startLocalStack({
    stage: 'dev',
    ownBroker: true,
    functionLogLevel: testLogLevel(),
    batchingWindowMs: 200,
    // The stage parameter alertFeedStalledMinutes, lowered so a 3-minute freeze outlasts it by a minute.
    functionEnvironment: { ALERT_FEED_STALLED_MINUTES: '2' },
    log: () => undefined,
  });
});
afterAll(async () => {
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the feed-stalled alert, on a real broker frozen for 3 minutes', () => {
  it('opens once while nothing lands and resolves once when ticks land again, judged every 5 s', async () => {
    const local = stack as LocalStack;
    const pid = local.brokerNodes[0]?.pid as number;
    await local.startMappings();
    const symbols = ['AAPL', 'MSFT', 'KO'];
    // The producers' schedule, every 10 s here: each run publishes the minute that just ended. A run during the
    // freeze fails after its send timeout, as on AWS (whose retries are the local schedules' business, not this
    // test's); the watch runs on its own clock beside it.
    let producing = true;
    let producerFailures = 0;
    const producer = (async () => {
      while (producing) {
        const time = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
        await local.invoke('produceTicks', { symbols, time }).catch(() => {
          producerFailures++;
        });
        await sleep(10_000);
      }
    })();
    let watching = true;
    const summaries: { opened: number; resolved: number; open: string[] }[] = [];
    const watcher = (async () => {
      while (watching) {
        summaries.push(
          (await local.invoke('watchMarket', {
            time: new Date().toISOString(),
          })) as (typeof summaries)[number],
        );
        await sleep(5_000);
      }
    })();
    try {
      await sleep(15_000);
      process.kill(pid, 'SIGSTOP');
      try {
        await sleep(180_000);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      // Until the watch has seen ticks land again (at most 2 minutes: the mapping rejoins, the producer's next run).
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && summaries.at(-1)?.open.includes('feed-stalled') !== false)
        await sleep(2_000);
    } finally {
      producing = false;
      watching = false;
      await Promise.all([producer, watcher]);
    }
    const messages = local.s3.published(localAlertsTopicName(local.config, 'dev'));
    expect(messages.map((message) => message.subject)).toEqual([
      'tickstream dev: all symbols feed stalled',
      'tickstream dev: all symbols feed flowing again (resolved)',
    ]);
    expect(messages[0]?.message).toMatch(
      /^OPENED: no tick has landed since \d\d:\d\d:\d\d UTC \(2 minutes\)/,
    );
    expect(summaries.filter((summary) => summary.opened > 0)).toHaveLength(1);
    expect(summaries.filter((summary) => summary.resolved > 0)).toHaveLength(1);
    expect(summaries.at(-1)?.open).toEqual([]);
    // The freeze was felt: some producer runs failed while the broker was stopped.
    expect(producerFailures).toBeGreaterThan(0);
  }, 420_000);
});
