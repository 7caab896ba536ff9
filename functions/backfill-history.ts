import { loadProducerConfig } from '../lib/produce/config';
import { createBackfillHistory } from './factories/backfill-history';

/** Lambda's entry point: built once per container from the function's environment. */
export const { handler } = createBackfillHistory(loadProducerConfig(process.env));
