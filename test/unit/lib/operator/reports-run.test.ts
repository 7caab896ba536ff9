import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { OperationFailedError } from '../../../../lib/operator/errors';
import { startReportsRun, waitForReportsRun } from '../../../../lib/operator/reports-run';
import { awsError, devResources, recordedWaits } from '../../../fixtures/stage';

const sfnMock = mockClient(SFNClient);
const sfn = new SFNClient({ region: 'us-east-1' });
const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:tickstream-dev-reports:run-1';
const manifest = {
  execution: 'run-1',
  day: '2026-11-20',
  reports: [{ name: 'vwap_daily', rows: 20, latest: 's3://results/reports/vwap_daily/latest.csv' }],
};
const running = {
  executionArn,
  stateMachineArn: devResources.stateMachineArn,
  status: 'RUNNING' as const,
  startDate: new Date(),
};

describe('reports run', () => {
  beforeEach(() => {
    sfnMock.reset();
    sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });
  });

  it('starts the state machine for the requested day', async () => {
    const run = await startReportsRun({
      sfn,
      stateMachineArn: devResources.stateMachineArn,
      day: '2026-11-20',
    });
    expect(run).toEqual({ executionArn, day: '2026-11-20' });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: devResources.stateMachineArn,
      input: '{"day":"2026-11-20"}',
    });
  });

  it('names the execution once, so that a start retried after throttling cannot start a second run', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ executionArn, startDate: new Date() });
    const { waits, wait } = recordedWaits();
    await startReportsRun({ sfn, stateMachineArn: devResources.stateMachineArn, day: '2026-11-20', wait });
    const names = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^manual-2026-11-20-[0-9a-f-]{36}$/);
    expect(names[1]).toBe(names[0]);
    expect(waits).toEqual([500]);
  });

  it('takes ExecutionAlreadyExists for its own name as the run an earlier attempt started', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(awsError('ExecutionAlreadyExists', 'Execution Already Exists: manual-today-1'));
    const run = await startReportsRun({
      sfn,
      stateMachineArn: devResources.stateMachineArn,
      name: 'manual-today-1',
    });
    expect(run.executionArn).toBe(
      `${devResources.stateMachineArn.replace(':stateMachine:', ':execution:')}:manual-today-1`,
    );
  });

  it('gives each start a name of its own', async () => {
    await startReportsRun({ sfn, stateMachineArn: devResources.stateMachineArn });
    await startReportsRun({ sfn, stateMachineArn: devResources.stateMachineArn });
    const names = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(new Set(names).size).toBe(2);
    expect(names.every((name) => /^manual-today-[0-9a-f-]{36}$/.test(name ?? ''))).toBe(true);
  });

  it('starts it with an empty input without a day, so the workflow takes the day it starts in', async () => {
    await startReportsRun({ sfn, stateMachineArn: devResources.stateMachineArn });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { input: '{}' });
  });

  it('polls until the execution succeeds and returns its manifest', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolves({ ...running, status: 'SUCCEEDED', output: JSON.stringify({ manifests: [manifest] }) });
    const { waits, wait } = recordedWaits();
    const polls: string[] = [];
    const finished = await waitForReportsRun({
      sfn,
      run: { executionArn, day: '2026-11-20' },
      pollMs: 5000,
      wait,
      onPoll: (status) => polls.push(status),
    });
    expect(finished).toMatchObject({ status: 'SUCCEEDED', manifests: [manifest], seconds: 10 });
    expect(polls).toEqual(['RUNNING', 'RUNNING', 'SUCCEEDED']);
    expect(waits).toEqual([5000, 5000]);
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 3);
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn });
  });

  it("fails with the execution's error and cause", async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({
      ...running,
      status: 'FAILED',
      error: 'CrawlerFailed',
      cause: 'the crawler finished its last crawl as {"Status":"FAILED"}',
    });
    const failure = waitForReportsRun({ sfn, run: { executionArn, day: undefined }, ...recordedWaits() });
    await expect(failure).rejects.toBeInstanceOf(OperationFailedError);
    await expect(failure).rejects.toThrow(
      `reports execution ${executionArn} FAILED: CrawlerFailed: the crawler finished its last crawl as {"Status":"FAILED"}`,
    );
  });

  it('gives up waiting after its budget, saying the execution goes on', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(running);
    const { waits, wait } = recordedWaits();
    await expect(
      waitForReportsRun({
        sfn,
        run: { executionArn, day: undefined },
        pollMs: 10_000,
        timeoutMs: 30_000,
        wait,
      }),
    ).rejects.toThrow(`reports execution ${executionArn} still RUNNING after 30 s; it goes on`);
    expect(waits).toEqual([10_000, 10_000, 10_000]);
  });

  it('retries a throttled poll', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ ...running, status: 'SUCCEEDED', output: JSON.stringify({ manifests: [manifest] }) });
    const { waits, wait } = recordedWaits();
    await expect(
      waitForReportsRun({ sfn, run: { executionArn, day: undefined }, wait }),
    ).resolves.toMatchObject({
      status: 'SUCCEEDED',
    });
    expect(waits).toEqual([500]);
  });

  it('names the call and the state machine when the start is refused', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(awsError('StateMachineDoesNotExist', 'State Machine Does Not Exist'));
    await expect(startReportsRun({ sfn, stateMachineArn: devResources.stateMachineArn })).rejects.toThrow(
      `states:StartExecution on ${devResources.stateMachineArn} failed: StateMachineDoesNotExist: State Machine Does Not Exist`,
    );
  });
});
