import type { AlphaVantageClient } from './client';
import { type Overview, parseOverview } from './parse';
import { OVERVIEW_TTL_MS } from './settings';

/** Company overviews by symbol, kept OVERVIEW_TTL_MS in this container. */
export function overviewCache(params: { client: AlphaVantageClient; now: () => number }) {
  const cached = new Map<string, { overview: Overview; fetchedAt: number }>();
  const fresh = (symbol: string) => {
    const entry = cached.get(symbol);
    return entry !== undefined && params.now() - entry.fetchedAt < OVERVIEW_TTL_MS
      ? entry.overview
      : undefined;
  };
  return {
    has: (symbol: string): boolean => fresh(symbol) !== undefined,
    async get(symbol: string): Promise<Overview> {
      const overview = fresh(symbol);
      if (overview) return overview;
      const fetched = parseOverview(symbol, await params.client.query({ fn: 'OVERVIEW', symbol }));
      cached.set(symbol, { overview: fetched, fetchedAt: params.now() });
      return fetched;
    },
  };
}
