/**
 * What every server the local stack runs offers it: a line saying what and where it is, a health check and a way
 * to stop it. The stack composes services only through this; each is started by its own module
 * (`kafka/broker.ts`, `s3/s3.ts`, `trino/server.ts`), which knows how.
 */
export interface LocalService {
  /** What it is and where, for a person: `Kafka 3.9.2 at 127.0.0.1:40837 (SASL_SSL)`. */
  readonly description: string;
  /** Resolves when the service answers a request as it should; rejects saying why. */
  health(): Promise<void>;
  /**
   * Stops it and removes what it was told to (a service given from outside is left running). A server process is
   * asked to shut down and killed if it has not within `graceMs` (each service has its own default).
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Services as they start, stopped newest first. A start that fails leaves nothing running: the services started
 * beside it are stopped before its error is passed on.
 */
export class StartedServices {
  private readonly stops: (() => Promise<unknown>)[] = [];

  /** Remembers how to stop something the stack made (a service, a catalog), to be done at the end or on failure. */
  onStop(stop: () => Promise<unknown>): void {
    this.stops.push(stop);
  }

  /**
   * Starts several things side by side and waits for all of them; every one that started is remembered (those
   * with a `stop()` are stopped at the end). If any fails, everything started so far is stopped and its error
   * (the first, in the order given) is thrown.
   */
  async sideBySide<T extends readonly unknown[]>(starts: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
    const settled = await Promise.allSettled(starts);
    // Stopped together at the end, as they started.
    this.onStop(() =>
      Promise.all(
        settled.map((outcome) =>
          outcome.status === 'fulfilled'
            ? (outcome.value as Partial<LocalService> | undefined)?.stop?.()
            : undefined,
        ),
      ),
    );
    const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) await this.failWith(failed.reason);
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
  }

  /** Runs a step; if it fails, stops everything started so far and throws its error. */
  async step<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      return this.failWith(error);
    }
  }

  /** Stops everything, newest first. */
  async stopAll(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop();
  }

  private async failWith(error: unknown): Promise<never> {
    await this.stopAll();
    throw error;
  }
}
