import { TickstreamError } from '../shared/errors';
/** A market-data provider failed to give what was asked; names the provider, the request and the symbol. */
export class MarketDataError extends TickstreamError {
  constructor(
    message: string,
    readonly symbol: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MarketDataError';
  }
}

/** The provider answered with its throttle note instead of data: the plan's limit is reached. */
export class MarketThrottledError extends MarketDataError {
  constructor(message: string, symbol: string | undefined) {
    super(message, symbol);
    this.name = 'MarketThrottledError';
  }
}

/** The provider's daily limit is reached: nothing more until its day resets. */
export class MarketDailyLimitError extends MarketThrottledError {
  constructor(message: string, symbol: string | undefined) {
    super(message, symbol);
    this.name = 'MarketDailyLimitError';
  }
}

/** The key's plan does not include what was asked (a premium endpoint or parameter): every symbol would get the same. */
export class MarketPlanError extends MarketDataError {
  constructor(message: string) {
    super(message, undefined);
    this.name = 'MarketPlanError';
  }
}

/** The provider called the request invalid: an unknown symbol, or a parameter it does not take. */
export class MarketInvalidCallError extends MarketDataError {
  constructor(message: string, symbol: string) {
    super(message, symbol);
    this.name = 'MarketInvalidCallError';
  }
}

/** The provider refused the API key. */
export class MarketAuthError extends MarketDataError {
  constructor(message: string) {
    super(message, undefined);
    this.name = 'MarketAuthError';
  }
}

/** The provider does not know the symbol. */
export class MarketUnknownSymbolError extends MarketDataError {
  constructor(message: string, symbol: string) {
    super(message, symbol);
    this.name = 'MarketUnknownSymbolError';
  }
}

/** Some symbols of a run failed: what the others gave was published; this fails the invocation. */
export class MarketSourceFailedError extends TickstreamError {
  constructor(
    readonly source: string,
    readonly failures: MarketDataError[],
    published: number,
  ) {
    super(
      `${source}: ${failures.length} request(s) failed (${published} tick(s) from the others were published): ${failures
        .map((failure) => failure.message)
        .join(' | ')}`,
      { cause: failures },
    );
    this.name = 'MarketSourceFailedError';
  }
}
