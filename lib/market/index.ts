import { ConfigError } from '../shared/environment';
import { parseJsonSecret, type SecretReader } from '../shared/secrets';
import { alphaVantageClient } from './alphavantage/client';
import { alphaVantageHistorySource } from './alphavantage/history';
import { alphaVantageLiveSource } from './alphavantage/live';
import type { MarketSettings } from './settings';
import type { Anomaly } from './simulated/anomalies';
import { simulatedHistorySource, simulatedLiveSource } from './simulated/source';
import type { HistorySource, LiveSource } from './source';

export type { HistorySource, LiveMinute, LiveMinuteRequest, LiveSource } from './source';

/**
 * Reads the Alpha Vantage key once per container: from Secrets Manager (a plain string, or `{"apiKey": "…"}`)
 * or, locally, the value itself. A failed read is tried again on the next call; the key is never logged.
 */
export function apiKeyReader(params: {
  key: { secretId: string } | { value: string };
  readSecret?: SecretReader | undefined;
}): () => Promise<string> {
  const { key, readSecret } = params;
  if ('value' in key) return async () => key.value;
  if (!readSecret)
    throw new ConfigError(['the Alpha Vantage key is in Secrets Manager but no secret reader was given']);
  let cached: Promise<string> | undefined;
  const read = async (): Promise<string> => {
    const text = (await readSecret(key.secretId)).trim();
    // A plain string is the key; a JSON object holds it in "apiKey".
    if (!text.startsWith('{')) return text;
    return parseJsonSecret({ secretId: key.secretId, text, fields: ['apiKey'] }).apiKey;
  };
  return () => {
    cached ??= read().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

/**
 * The live and history sources a stage's settings choose, built once per module. The Alpha Vantage ones share
 * one client (one key, one throttle cool-down) and read the key only when they first need it.
 */
export function marketSources(params: {
  market: MarketSettings;
  seed: string;
  /** Halts and jumps the simulator makes on purpose (the simulated source only). */
  anomalies?: readonly Anomaly[];
  readSecret?: SecretReader;
  fetch?: (url: string, init: { signal: AbortSignal }) => Promise<Response>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): { live: LiveSource; history: HistorySource } {
  const { market } = params;
  if (market.source === 'simulated')
    return {
      live: simulatedLiveSource({ seed: params.seed, anomalies: params.anomalies ?? [] }),
      history: simulatedHistorySource({ seed: params.seed, anomalies: params.anomalies ?? [] }),
    };
  const client = alphaVantageClient({
    settings: market.alphaVantage,
    apiKey: apiKeyReader({ key: market.apiKey, readSecret: params.readSecret }),
    fetch: params.fetch,
    now: params.now,
    sleep: params.sleep,
  });
  return {
    live: alphaVantageLiveSource({ client, settings: market.alphaVantage, now: params.now }),
    history: alphaVantageHistorySource({
      client,
      settings: market.alphaVantage,
      now: params.now,
      sleep: params.sleep,
    }),
  };
}
