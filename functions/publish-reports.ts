import { loadPublisherConfig } from '../lib/reports/config';
import { createPublishReports } from './factories/publish-reports';

/** Lambda's entry point: built once per container from the function's environment. */
export const { handler } = createPublishReports(loadPublisherConfig(process.env));
