import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetCrawlerCommand, GetPartitionsCommand, GetTableCommand } from '@aws-sdk/client-glue';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { stageStatus } from '../../../../lib/operator/status';
import { awsError, devResources, recordedWaits } from '../../../fixtures/stage';
import { statusMocks } from '../../../fixtures/status-mocks';

const mocks = statusMocks();
const status = () =>
  stageStatus({ resources: devResources, day: '2026-11-20', ...mocks.clients, wait: recordedWaits().wait });

describe('tickstream status', () => {
  beforeEach(() => {
    mocks.healthy();
  });

  it('reports the crawler, table, the day’s partitions across pages, executions, mapping and alarms', async () => {
    await expect(status()).resolves.toEqual({
      stage: 'dev',
      day: '2026-11-20',
      crawler: {
        name: 'tickstream-dev-stock-ticks',
        state: 'READY',
        lastCrawl: { status: 'SUCCEEDED', startTime: '2026-11-20T14:00:07.000Z', error: undefined },
      },
      table: {
        name: 'tickstream_dev.stock_ticks',
        partitionKeys: ['dt', 'hour'],
        columns: 10,
        updated: '2026-11-20T14:01:00.000Z',
      },
      partitions: ['dt=2026-11-20/hour=13', 'dt=2026-11-20/hour=14'],
      executions: [
        {
          name: 'e2',
          status: 'SUCCEEDED',
          started: '2026-11-20T14:00:05.000Z',
          stopped: '2026-11-20T14:03:00.000Z',
        },
      ],
      mapping: {
        id: devResources.landTicksMappingId,
        state: 'Enabled',
        lastProcessingResult: 'OK',
        reason: undefined,
      },
      alarmsInAlarm: [],
    });
    expect(mocks.glue).toHaveReceivedCommandWith(GetCrawlerCommand, { Name: 'tickstream-dev-stock-ticks' });
    expect(mocks.glue).toHaveReceivedCommandWith(GetTableCommand, {
      DatabaseName: 'tickstream_dev',
      Name: 'stock_ticks',
    });
    expect(mocks.glue).toHaveReceivedNthSpecificCommandWith(2, GetPartitionsCommand, {
      Expression: "dt = '2026-11-20'",
      NextToken: 'more',
    });
    expect(mocks.sfn).toHaveReceivedCommandWith(ListExecutionsCommand, {
      stateMachineArn: devResources.stateMachineArn,
      maxResults: 5,
    });
    expect(mocks.lambda).toHaveReceivedCommandWith(GetEventSourceMappingCommand, {
      UUID: devResources.landTicksMappingId,
    });
    expect(mocks.cloudWatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNamePrefix: 'tickstream-dev-',
      StateValue: 'ALARM',
    });
  });

  it('shows a crawler still running and the alarms in ALARM', async () => {
    mocks.glue
      .on(GetCrawlerCommand)
      .resolves({ Crawler: { Name: devResources.crawlerName, State: 'RUNNING' } });
    mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'tickstream-dev-LandTicksOffsetLagAlarm-1X2Y',
          StateReason: 'Threshold Crossed: 1 datapoint [250000.0] was greater than the threshold (100000.0).',
          StateUpdatedTimestamp: new Date('2026-11-20T13:55:00Z'),
        },
      ],
    });
    const result = await status();
    expect(result.crawler).toEqual({
      name: devResources.crawlerName,
      state: 'RUNNING',
      lastCrawl: undefined,
    });
    expect(result.alarmsInAlarm).toEqual([
      {
        name: 'tickstream-dev-LandTicksOffsetLagAlarm-1X2Y',
        reason: expect.stringContaining('greater than the threshold'),
        since: '2026-11-20T13:55:00.000Z',
      },
    ]);
  });

  it("lists only its own stage's alarms, not those of a stage whose name starts the same (dev and dev-eu), across pages", async () => {
    const alarm = (name: string) => ({
      AlarmName: name,
      StateReason: 'Threshold Crossed',
      StateUpdatedTimestamp: new Date('2026-11-20T13:55:00Z'),
    });
    mocks.cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [
          alarm('tickstream-dev-LandTicksErrorsAlarm-AB12CD34'),
          alarm('tickstream-dev-eu-LandTicksErrorsAlarm-EF56GH78'),
        ],
        NextToken: 'page-2',
      })
      .resolves({
        MetricAlarms: [
          alarm('tickstream-dev-eu-ReportsFailedAlarm-1234'),
          alarm('tickstream-dev-ReportsFailedAlarm-9Z8Y'),
        ],
      });
    const result = await status();
    expect(result.alarmsInAlarm.map((found) => found.name)).toEqual([
      'tickstream-dev-LandTicksErrorsAlarm-AB12CD34',
      'tickstream-dev-ReportsFailedAlarm-9Z8Y',
    ]);
    expect(mocks.cloudWatch).toHaveReceivedNthSpecificCommandWith(2, DescribeAlarmsCommand, {
      AlarmNamePrefix: 'tickstream-dev-',
      StateValue: 'ALARM',
      NextToken: 'page-2',
    });
  });

  it('says the table is not there yet before the first crawl, without asking for partitions', async () => {
    mocks.glue
      .on(GetTableCommand)
      .rejects(awsError('EntityNotFoundException', 'Table stock_ticks not found.'));
    const result = await status();
    expect(result.table).toBeUndefined();
    expect(result.partitions).toEqual([]);
    expect(mocks.glue).toHaveReceivedCommandTimes(GetPartitionsCommand, 0);
  });

  it('names the call and the resource when AWS refuses one', async () => {
    mocks.lambda
      .on(GetEventSourceMappingCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: lambda:GetEventSourceMapping'));
    await expect(status()).rejects.toThrow(
      `lambda:GetEventSourceMapping on event source mapping ${devResources.landTicksMappingId} failed: AccessDeniedException`,
    );
  });

  it('retries a throttled catalog call', async () => {
    mocks.glue
      .on(GetTableCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ Table: { Name: 'stock_ticks', PartitionKeys: [{ Name: 'dt' }] } });
    await expect(status()).resolves.toMatchObject({ table: { partitionKeys: ['dt'] } });
    expect(mocks.glue).toHaveReceivedCommandTimes(GetTableCommand, 2);
  });
});
