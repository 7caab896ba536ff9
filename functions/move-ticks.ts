import { loadMoverConfig } from '../lib/reports/move-config';
import { createMoveTicks } from './factories/move-ticks';

/** Lambda's entry point: built once per container from the function's environment. */
export const { handler } = createMoveTicks(loadMoverConfig(process.env));
