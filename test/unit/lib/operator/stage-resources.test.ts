import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsCallError, InputError } from '../../../../lib/operator/errors';
import { resolveStage } from '../../../../lib/operator/stage-resources';
import {
  awsError,
  devResources,
  devStackOutputs,
  devStackResponse,
  serveDevStack,
} from '../../../fixtures/stage';

const cloudFormationMock = mockClient(CloudFormationClient);
const cloudFormation = new CloudFormationClient({ region: 'us-east-1' });

describe('resolveStage', () => {
  beforeEach(() => {
    cloudFormationMock.reset();
  });

  it("reads the stage's resource names from the outputs of tickstream-<stage>", async () => {
    serveDevStack(cloudFormationMock);
    await expect(resolveStage({ cloudFormation, stage: 'dev' })).resolves.toEqual(devResources);
    expect(cloudFormationMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 1);
    expect(cloudFormationMock).toHaveReceivedCommandWith(DescribeStacksCommand, {
      StackName: 'tickstream-dev',
    });
  });

  it('says an unknown stage is unknown, as an input error naming the stack', async () => {
    serveDevStack(cloudFormationMock);
    const failure = resolveStage({ cloudFormation, stage: 'other' });
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toThrow(
      'unknown stage other: there is no CloudFormation stack tickstream-other in this account and region',
    );
  });

  it('rejects a stage name sls would not accept before calling AWS', async () => {
    await expect(resolveStage({ cloudFormation, stage: 'dev stage' })).rejects.toThrow(
      'invalid stage "dev stage"',
    );
    expect(cloudFormationMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 0);
  });

  it('names the outputs an older stack lacks', async () => {
    cloudFormationMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'tickstream-dev',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: devStackOutputs.filter((output) => !output.OutputKey?.startsWith('Reports')),
        },
      ],
    });
    await expect(resolveStage({ cloudFormation, stage: 'dev' })).rejects.toThrow(
      'stack tickstream-dev lacks the outputs ReportsStateMachineArn, ReportsCrawlerName: redeploy it',
    );
  });

  it('retries throttling, then answers', async () => {
    cloudFormationMock
      .on(DescribeStacksCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .resolves(devStackResponse);
    await expect(resolveStage({ cloudFormation, stage: 'dev' })).resolves.toMatchObject({ stage: 'dev' });
    expect(cloudFormationMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 2);
  });

  it('names the call and the stack when AWS refuses', async () => {
    cloudFormationMock
      .on(DescribeStacksCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: cloudformation:DescribeStacks'));
    const failure = resolveStage({ cloudFormation, stage: 'dev' });
    await expect(failure).rejects.toBeInstanceOf(AwsCallError);
    await expect(failure).rejects.toThrow(
      'cloudformation:DescribeStacks on stack tickstream-dev failed: AccessDenied: User is not authorized',
    );
  });
});
