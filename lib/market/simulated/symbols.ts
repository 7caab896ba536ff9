import { TickstreamError } from '../../shared/errors';
/** What the simulator needs to know about one listed stock. Figures are rounded public ones as of the anchor date. */
export interface SymbolProfile {
  symbol: string;
  exchange: 'NASDAQ' | 'NYSE';
  /** Price at the simulation anchor (2025-01-01T00:00:00Z). */
  anchorPrice: number;
  /** Annualised volatility of log returns. */
  annualVolatility: number;
  /** Annualised drift of the price. */
  annualDrift: number;
  /** Shares traded on an average regular session. */
  averageDailyVolume: number;
  sharesOutstanding: number;
  /** Trailing earnings per share; negative earnings leave the P/E undefined (null). */
  earningsPerShare: number;
  /** Typical quoted spread in basis points of the price. */
  spreadBps: number;
}

const profile = (
  symbol: string,
  exchange: SymbolProfile['exchange'],
  anchorPrice: number,
  annualVolatility: number,
  averageDailyVolume: number,
  sharesOutstanding: number,
  earningsPerShare: number,
  spreadBps: number,
  annualDrift = 0.07,
): SymbolProfile => ({
  symbol,
  exchange,
  anchorPrice,
  annualVolatility,
  annualDrift,
  averageDailyVolume,
  sharesOutstanding,
  earningsPerShare,
  spreadBps,
});

/** The symbols the simulator knows, keyed by ticker. */
export const SYMBOL_PROFILES: ReadonlyMap<string, SymbolProfile> = new Map(
  [
    profile('AAPL', 'NASDAQ', 250.42, 0.24, 55e6, 15.1e9, 6.08, 1.0),
    profile('MSFT', 'NASDAQ', 421.5, 0.22, 21e6, 7.43e9, 12.41, 1.0),
    profile('GOOGL', 'NASDAQ', 189.3, 0.28, 27e6, 12.2e9, 8.04, 1.2),
    profile('AMZN', 'NASDAQ', 219.39, 0.3, 40e6, 10.5e9, 5.53, 1.0),
    profile('NVDA', 'NASDAQ', 134.29, 0.5, 220e6, 24.5e9, 2.53, 1.0),
    profile('META', 'NASDAQ', 585.51, 0.35, 12e6, 2.52e9, 22.59, 1.5),
    profile('TSLA', 'NASDAQ', 403.84, 0.6, 90e6, 3.21e9, 2.04, 1.5),
    profile('NFLX', 'NASDAQ', 891.32, 0.35, 3.5e6, 0.428e9, 19.83, 2.0),
    profile('AMD', 'NASDAQ', 120.79, 0.5, 40e6, 1.62e9, 1.0, 1.5),
    profile('INTC', 'NASDAQ', 20.05, 0.45, 80e6, 4.31e9, -4.38, 5.0, 0),
    profile('CSCO', 'NASDAQ', 59.2, 0.2, 18e6, 3.98e9, 2.54, 2.0),
    profile('PEP', 'NASDAQ', 152.06, 0.16, 6e6, 1.37e9, 6.95, 1.5),
    profile('COST', 'NASDAQ', 916.27, 0.2, 2e6, 0.443e9, 16.98, 2.0),
    profile('JPM', 'NYSE', 239.71, 0.22, 9e6, 2.8e9, 19.75, 1.0),
    profile('V', 'NYSE', 316.04, 0.18, 7e6, 1.95e9, 9.73, 1.0),
    profile('MA', 'NYSE', 526.57, 0.18, 2.8e6, 0.918e9, 13.89, 1.5),
    profile('JNJ', 'NYSE', 144.62, 0.15, 7.5e6, 2.41e9, 5.84, 1.2),
    profile('WMT', 'NYSE', 90.35, 0.18, 15e6, 8.03e9, 2.41, 1.5),
    profile('XOM', 'NYSE', 107.57, 0.22, 15e6, 4.39e9, 7.84, 1.2),
    profile('UNH', 'NYSE', 505.86, 0.25, 4e6, 0.92e9, 15.51, 1.5),
    profile('PG', 'NYSE', 167.65, 0.15, 6.5e6, 2.36e9, 6.33, 1.2),
    profile('HD', 'NYSE', 388.99, 0.2, 3.5e6, 0.993e9, 15.11, 1.5),
    profile('KO', 'NYSE', 62.26, 0.14, 13e6, 4.31e9, 2.46, 1.6),
    profile('BAC', 'NYSE', 43.95, 0.25, 35e6, 7.68e9, 3.21, 2.3),
    profile('DIS', 'NYSE', 111.35, 0.25, 9e6, 1.81e9, 2.72, 1.8),
    profile('BA', 'NYSE', 177.0, 0.38, 8e6, 0.75e9, -18.36, 2.0, 0),
    profile('NKE', 'NYSE', 75.67, 0.3, 11e6, 1.48e9, 3.49, 2.0),
    profile('SNAP', 'NYSE', 10.77, 0.65, 25e6, 1.68e9, -0.42, 9.0, 0),
    profile('BRK.B', 'NYSE', 453.28, 0.15, 3.8e6, 2.16e9, 41.27, 1.5),
    profile('PLTR', 'NASDAQ', 75.63, 0.7, 70e6, 2.34e9, 0.19, 2.0),
  ].map((entry) => [entry.symbol, entry]),
);

/** Looks up profiles and fails with one error naming every unknown symbol and what is known. */
export function resolveProfiles(symbols: readonly string[]): SymbolProfile[] {
  const unknown = symbols.filter((symbol) => !SYMBOL_PROFILES.has(symbol));
  if (unknown.length > 0) {
    throw new UnknownSymbolError(unknown);
  }
  return symbols.map((symbol) => SYMBOL_PROFILES.get(symbol) as SymbolProfile);
}

/** Raised when a request names a symbol the simulator has no profile for. */
export class UnknownSymbolError extends TickstreamError {
  constructor(readonly unknownSymbols: string[]) {
    super(
      `unknown symbol(s): ${unknownSymbols.join(', ')}; known: ${[...SYMBOL_PROFILES.keys()].join(', ')}`,
    );
    this.name = 'UnknownSymbolError';
  }
}
