import { loadLanderConfig } from '../lib/land/config';
import { createLandTicks } from './factories/land-ticks';

/** Lambda's entry point: built once per container from the function's environment. */
export const { handler } = createLandTicks(loadLanderConfig(process.env));
