import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AwsCallError, callAws, InputError } from './errors';

/** The names of a deployed stage's resources the operator commands use, from its CloudFormation outputs. */
export interface StageResources {
  stage: string;
  stackName: string;
  stateMachineArn: string;
  resultsBucket: string;
  dataBucket: string;
  database: string;
  workGroup: string;
  crawlerName: string;
  landTicksMappingId: string;
  /** CloudFormation names the stack's alarms `<stack>-<logical id>-<suffix>`. */
  alarmPrefix: string;
}

/** The stack outputs the operator commands read, by what they hold. */
export const STAGE_OUTPUTS = {
  stateMachineArn: 'ReportsStateMachineArn',
  resultsBucket: 'ResultsBucketName',
  dataBucket: 'DataBucketName',
  database: 'GlueDatabaseName',
  workGroup: 'AthenaWorkGroupName',
  crawlerName: 'ReportsCrawlerName',
  landTicksMappingId: 'LandTicksEventSourceMappingId',
} as const;

/** A stage name as `sls deploy --stage` accepts it. */
export function checkStage(stage: string): string {
  if (!/^[a-zA-Z0-9-]{1,32}$/.test(stage)) throw new InputError(`invalid stage ${JSON.stringify(stage)}`);
  return stage;
}

/**
 * Reads the outputs of the stage's stack (`<service>-<stage>`). An unknown stage (no such stack) is an input
 * error; a stack missing an output was deployed by an older version and needs `sls deploy` again.
 */
export async function resolveStage(params: {
  cloudFormation: CloudFormationClient;
  stage: string;
  service?: string;
}): Promise<StageResources> {
  const stage = checkStage(params.stage);
  const stackName = `${params.service ?? 'tickstream'}-${stage}`;
  let outputs: Map<string, string>;
  try {
    const response = await callAws({
      call: 'cloudformation:DescribeStacks',
      resource: `stack ${stackName}`,
      send: () => params.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName })),
    });
    outputs = new Map(
      (response.Stacks?.[0]?.Outputs ?? []).map((output) => [
        output.OutputKey ?? '',
        output.OutputValue ?? '',
      ]),
    );
  } catch (error) {
    const cause = error instanceof AwsCallError ? error.cause : undefined;
    if (cause instanceof Error && /does not exist/.test(cause.message))
      throw new InputError(
        `unknown stage ${stage}: there is no CloudFormation stack ${stackName} in this account and region (deploy it with sls deploy --stage ${stage})`,
      );
    throw error;
  }
  const missing = Object.values(STAGE_OUTPUTS).filter((key) => !outputs.get(key));
  if (missing.length > 0)
    throw new InputError(
      `stack ${stackName} lacks the outputs ${missing.join(', ')}: redeploy it with sls deploy --stage ${stage}`,
    );
  const value = (key: keyof typeof STAGE_OUTPUTS) => outputs.get(STAGE_OUTPUTS[key]) as string;
  return {
    stage,
    stackName,
    stateMachineArn: value('stateMachineArn'),
    resultsBucket: value('resultsBucket'),
    dataBucket: value('dataBucket'),
    database: value('database'),
    workGroup: value('workGroup'),
    crawlerName: value('crawlerName'),
    landTicksMappingId: value('landTicksMappingId'),
    alarmPrefix: `${stackName}-`,
  };
}
