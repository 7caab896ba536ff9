import { sleep as realSleep } from '../../lib/shared/time';

/**
 * Lambda's waits before each retry of an asynchronous invocation whose function returned an error: one minute
 * before the second attempt, two minutes before the third ("How Lambda handles errors and retries with
 * asynchronous invocation", Lambda developer guide).
 */
export const ASYNC_RETRY_WAITS_MS: readonly number[] = [60_000, 120_000];

/** Lambda's defaults when a function sets neither: two retries, events kept six hours. */
const DEFAULT_RETRY_ATTEMPTS = 2;
const DEFAULT_EVENT_AGE_SECONDS = 21_600;

/** A function's asynchronous invocation settings, as serverless.yml gives them (`maximumRetryAttempts`…). */
export interface AsyncInvokeConfig {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

/** The settings Lambda applies to a function's asynchronous invocations: its own, else Lambda's defaults. */
export function asyncInvokeConfigOf(fn: {
  maximumRetryAttempts?: number;
  maximumEventAge?: number;
}): AsyncInvokeConfig {
  return {
    maximumRetryAttempts: fn.maximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
    maximumEventAgeSeconds: fn.maximumEventAge ?? DEFAULT_EVENT_AGE_SECONDS,
  };
}

/** How one asynchronous event ended: a result, or discarded (to the function's on-failure destination on AWS). */
export type AsyncOutcome =
  | { delivered: true; result: unknown; attempts: number }
  | {
      delivered: false;
      /** The last attempt's error. */
      error: unknown;
      attempts: number;
      /** Why no further attempt was made: the retries were spent, or the next one would exceed the event's age. */
      discarded: 'retries-exhausted' | 'event-too-old';
    };

/** What the queue is told as it works: an attempt failed and another follows after `waitMs`. */
export interface RetryNotice {
  attempt: number;
  error: unknown;
  waitMs: number;
}

/**
 * Runs one event as Lambda's asynchronous queue does: an attempt, and after a function error the retries the
 * function's settings allow, each after Lambda's wait, none once the event would be older than its maximum age.
 * Never throws: the outcome says whether the event was delivered.
 */
export async function invokeAsynchronously(params: {
  invoke: () => Promise<unknown>;
  config: AsyncInvokeConfig;
  onRetry?: (notice: RetryNotice) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}): Promise<AsyncOutcome> {
  const { invoke, config } = params;
  const sleep = params.sleep ?? realSleep;
  const now = params.now ?? Date.now;
  const queuedAt = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return { delivered: true, result: await invoke(), attempts: attempt };
    } catch (error) {
      if (attempt > config.maximumRetryAttempts)
        return { delivered: false, error, attempts: attempt, discarded: 'retries-exhausted' };
      const waitMs = ASYNC_RETRY_WAITS_MS[attempt - 1] ?? ASYNC_RETRY_WAITS_MS.at(-1) ?? 0;
      if (now() + waitMs - queuedAt > config.maximumEventAgeSeconds * 1000)
        return { delivered: false, error, attempts: attempt, discarded: 'event-too-old' };
      params.onRetry?.({ attempt, error, waitMs });
      await sleep(waitMs);
    }
  }
}

/** One line saying why an event was discarded, for a person. */
export function describeDiscarded(outcome: Extract<AsyncOutcome, { delivered: false }>): string {
  const why =
    outcome.discarded === 'retries-exhausted'
      ? `failed ${outcome.attempts === 1 ? 'once, with no retry allowed' : `${outcome.attempts} times`}`
      : `failed ${outcome.attempts === 1 ? 'once' : `${outcome.attempts} times`} and was too old for another attempt`;
  return `${why}: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`;
}

/** One submitted event: its first attempt, and how it ended after any retries. */
export interface SubmittedEvent {
  /** The outcome when the first attempt decided it (success, or failure with no retry allowed), else `undefined`. */
  first: Promise<AsyncOutcome | undefined>;
  /** How the event ended, retries included. */
  outcome: Promise<AsyncOutcome>;
}

/**
 * Lambda's asynchronous queue for the local schedules: each submitted event gets its attempt at once and its
 * retries later, beside whatever is submitted meanwhile, as a failed scheduled minute on AWS is retried while the
 * next minutes run. `drain` waits for every retry still to come.
 */
export function createAsyncQueue(params: {
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  configOf: (functionName: string) => AsyncInvokeConfig;
  onRetry?: (functionName: string, notice: RetryNotice) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}): { submit(functionName: string, event: unknown): SubmittedEvent; drain(): Promise<void> } {
  const outstanding = new Set<Promise<AsyncOutcome>>();
  return {
    submit(functionName, event) {
      let firstFailed: (value: undefined) => void = () => undefined;
      const retrying = new Promise<undefined>((resolve) => {
        firstFailed = resolve;
      });
      const outcome = invokeAsynchronously({
        invoke: () => params.invoke(functionName, event),
        config: params.configOf(functionName),
        onRetry: (notice) => {
          if (notice.attempt === 1) firstFailed(undefined);
          params.onRetry?.(functionName, notice);
        },
        ...(params.sleep ? { sleep: params.sleep } : {}),
        ...(params.now ? { now: params.now } : {}),
      });
      outstanding.add(outcome);
      void outcome.then(() => outstanding.delete(outcome));
      return { first: Promise.race([outcome, retrying]), outcome };
    },
    async drain() {
      while (outstanding.size > 0) await Promise.all(outstanding);
    },
  };
}
