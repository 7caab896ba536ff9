import { loadPlannerConfig } from '../lib/reports/config';
import { createPlanReports } from './factories/plan-reports';

/** Lambda's entry point: built once per container from the function's environment. */
export const { handler } = createPlanReports(loadPlannerConfig(process.env));
