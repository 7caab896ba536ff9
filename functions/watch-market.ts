import { loadWatchConfig } from '../lib/live/watch-config';
import { createWatchMarket } from './factories/watch-market';

/** Lambda's entry point: built once per container from the function's environment. */
export const { handler } = createWatchMarket(loadWatchConfig(process.env));
