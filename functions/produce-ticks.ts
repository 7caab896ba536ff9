import { loadProducerConfig } from '../lib/produce/config';
import { createProduceTicks } from './factories/produce-ticks';

/** Lambda's entry point: built once per container from the function's environment. */
export const { handler } = createProduceTicks(loadProducerConfig(process.env));
