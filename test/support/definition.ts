import { resolveServerlessConfig } from '../../local/stack/serverless-config';

/** The reports state machine's definition, variables resolved for a stage as `sls package` resolves them. */
export async function reportsDefinition(stage = 'dev'): Promise<Record<string, unknown>> {
  const config = await resolveServerlessConfig(stage);
  return config.stepFunctions.stateMachines.reports.definition;
}
