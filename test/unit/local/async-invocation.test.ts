import { describe, expect, it } from '@jest/globals';
import {
  ASYNC_RETRY_WAITS_MS,
  asyncInvokeConfigOf,
  createAsyncQueue,
  describeDiscarded,
  invokeAsynchronously,
} from '../../../local/aws/async-invocation';

/** A clock that only moves when the code under test sleeps: the waits it asked for, in order. */
function fakeClock() {
  let nowMs = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => nowMs,
    sleep: async (ms: number) => {
      waits.push(ms);
      nowMs += ms;
    },
  };
}

/** An invocation that fails its first `failures` calls, then answers with its call number. */
function failingTimes(failures: number) {
  let calls = 0;
  return {
    calls: () => calls,
    invoke: async () => {
      calls++;
      if (calls <= failures) throw new Error(`attempt ${calls} failed`);
      return { call: calls };
    },
  };
}

describe('a local asynchronous invocation, as Lambda retries one', () => {
  it("takes Lambda's defaults (two retries, six hours) for a function that sets neither", () => {
    expect(asyncInvokeConfigOf({})).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 });
    expect(asyncInvokeConfigOf({ maximumRetryAttempts: 0, maximumEventAge: 600 })).toEqual({
      maximumRetryAttempts: 0,
      maximumEventAgeSeconds: 600,
    });
  });

  it('waits one minute before the second attempt and two before the third', async () => {
    const clock = fakeClock();
    const fn = failingTimes(2);
    const outcome = await invokeAsynchronously({
      invoke: fn.invoke,
      config: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 600 },
      ...clock,
    });
    expect(outcome).toEqual({ delivered: true, result: { call: 3 }, attempts: 3 });
    expect(clock.waits).toEqual([60_000, 120_000]);
    expect(ASYNC_RETRY_WAITS_MS).toEqual([60_000, 120_000]);
  });

  it('gives up after the retries the function allows, with the last error', async () => {
    const clock = fakeClock();
    const fn = failingTimes(5);
    const outcome = await invokeAsynchronously({
      invoke: fn.invoke,
      config: { maximumRetryAttempts: 1, maximumEventAgeSeconds: 600 },
      ...clock,
    });
    expect(fn.calls()).toBe(2);
    expect(outcome).toMatchObject({ delivered: false, attempts: 2, discarded: 'retries-exhausted' });
    expect(outcome.delivered === false && describeDiscarded(outcome)).toBe(
      'failed 2 times: attempt 2 failed',
    );
  });

  it('makes no retry when the function allows none (an Alpha Vantage minute)', async () => {
    const clock = fakeClock();
    const fn = failingTimes(1);
    const outcome = await invokeAsynchronously({
      invoke: fn.invoke,
      config: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 600 },
      ...clock,
    });
    expect(fn.calls()).toBe(1);
    expect(clock.waits).toEqual([]);
    expect(outcome.delivered === false && describeDiscarded(outcome)).toBe(
      'failed once, with no retry allowed: attempt 1 failed',
    );
  });

  it('discards an event whose next attempt would come after its maximum age', async () => {
    const clock = fakeClock();
    const fn = failingTimes(5);
    // 120 s: the retry after one minute fits, the one two minutes later would be 180 s after the event.
    const outcome = await invokeAsynchronously({
      invoke: fn.invoke,
      config: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 120 },
      ...clock,
    });
    expect(fn.calls()).toBe(2);
    expect(clock.waits).toEqual([60_000]);
    expect(outcome).toMatchObject({ delivered: false, attempts: 2, discarded: 'event-too-old' });
    expect(outcome.delivered === false && describeDiscarded(outcome)).toBe(
      'failed 2 times and was too old for another attempt: attempt 2 failed',
    );
  });
});

describe('the local asynchronous queue', () => {
  it("answers a first attempt's success at once and leaves a failed one to its retries, which drain awaits", async () => {
    let release: () => void = () => undefined;
    const retryWait = new Promise<void>((resolve) => {
      release = resolve;
    });
    const failsFirst = failingTimes(1);
    const retried: string[] = [];
    const queue = createAsyncQueue({
      invoke: (functionName) => (functionName === 'flaky' ? failsFirst.invoke() : Promise.resolve('ok')),
      configOf: () => ({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 600 }),
      onRetry: (functionName, { attempt, waitMs }) => retried.push(`${functionName} ${attempt} ${waitMs}`),
      sleep: () => retryWait,
    });

    const flaky = queue.submit('flaky', {});
    expect(await flaky.first).toBeUndefined();
    expect(retried).toEqual(['flaky 1 60000']);
    // Another event runs while the failed one waits for its retry.
    const steady = queue.submit('steady', {});
    expect(await steady.first).toEqual({ delivered: true, result: 'ok', attempts: 1 });

    let drained = false;
    const draining = queue.drain().then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    release();
    await draining;
    expect(await flaky.outcome).toEqual({ delivered: true, result: { call: 2 }, attempts: 2 });
  });
});
