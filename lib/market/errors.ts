import { TickstreamError, type TickstreamErrorOptions } from '../shared/errors';

/**
 * A market-data provider failed to give what was asked; names the provider, the request and the symbol.
 * `everyRequest` says that the next request of the same run would fail the same way (a throttle, a refused key, a
 * plan that lacks the endpoint), so a run stops asking instead of spending its calls.
 */
export class MarketDataError extends TickstreamError {
  override name = 'MarketDataError';
  readonly everyRequest: boolean = false;
  constructor(
    message: string,
    readonly symbol: string | undefined,
    options?: TickstreamErrorOptions,
  ) {
    super(message, options);
  }
}

/** The provider answered with its throttle note instead of data: the plan's limit is reached for now. */
export class MarketThrottledError extends MarketDataError {
  override name = 'MarketThrottledError';
  override readonly everyRequest = true;
  constructor(message: string, symbol: string | undefined, options?: { cause?: unknown }) {
    super(message, symbol, { ...options, retriable: true });
  }
}

/** The provider's daily limit is reached: nothing more until its day resets, so not worth retrying today. */
export class MarketDailyLimitError extends MarketThrottledError {
  override name = 'MarketDailyLimitError';
  override readonly retriable = false;
}

/**
 * The provider refused the account rather than the request: every symbol would get the same answer, so a run stops
 * asking. Not retriable: only another key or plan helps.
 */
abstract class MarketAccountError extends MarketDataError {
  override readonly everyRequest = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, undefined, options);
  }
}

/** The key's plan does not include what was asked (a premium endpoint or parameter). */
export class MarketPlanError extends MarketAccountError {
  override name = 'MarketPlanError';
}

/** The provider refused the API key. */
export class MarketAuthError extends MarketAccountError {
  override name = 'MarketAuthError';
}

/** The provider called the request invalid: an unknown symbol, or a parameter it does not take. */
export class MarketInvalidCallError extends MarketDataError {
  override name = 'MarketInvalidCallError';
}

/** The provider does not know the symbol. */
export class MarketUnknownSymbolError extends MarketDataError {
  override name = 'MarketUnknownSymbolError';
}

/**
 * Some symbols of a run failed: what the others gave was published; this fails the invocation. Retriable when
 * every failure is.
 */
export class MarketSourceFailedError extends TickstreamError {
  override name = 'MarketSourceFailedError';
  constructor(
    readonly source: string,
    readonly failures: MarketDataError[],
    published: number,
  ) {
    super(
      `${source}: ${failures.length} request(s) failed (${published} tick(s) from the others were published): ${failures
        .map((failure) => failure.message)
        .join(' | ')}`,
      { cause: failures, retriable: failures.every((failure) => failure.retriable) },
    );
  }
}
