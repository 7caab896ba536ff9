import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { runReportQuery } from '../../../../lib/operator/report-query';
import { findReport } from '../../../../lib/reports/catalog';
import { awsError, devResources, recordedWaits } from '../../../fixtures/stage';

const athenaMock = mockClient(AthenaClient);
const athena = new AthenaClient({ region: 'us-east-1' });
const report = findReport('vwap_daily');
const row = (...values: string[]) => ({ Data: values.map((VarCharValue) => ({ VarCharValue })) });
const execution = (State: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED', extra = {}) => ({
  QueryExecution: {
    QueryExecutionId: 'q-1',
    Status: { State, ...extra },
    Statistics: { DataScannedInBytes: 4096 },
    ResultConfiguration: { OutputLocation: 's3://results/athena/q-1.csv' },
  },
});
const query = (wait = recordedWaits().wait) =>
  runReportQuery({
    athena,
    report,
    day: '2026-11-20',
    workGroup: devResources.workGroup,
    database: devResources.database,
    pollMs: 1000,
    wait,
  });

describe('tickstream report: one report in Athena', () => {
  beforeEach(() => {
    athenaMock.reset();
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
  });

  it("runs the report's SQL in the stage's workgroup and database with the day as a quoted parameter", async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athenaMock.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [row('symbol', 'vwap')] } });
    await query();
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: report.sql,
      WorkGroup: 'tickstream-dev',
      QueryExecutionContext: { Database: 'tickstream_dev' },
      ExecutionParameters: ["'2026-11-20'"],
    });
  });

  it('polls while the query is queued or running, then reads every page of the results', async () => {
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolves(execution('SUCCEEDED'));
    athenaMock
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: { Rows: [row('symbol', 'vwap'), row('AAPL', '231.5')] },
        NextToken: 'page-2',
      })
      .resolves({ ResultSet: { Rows: [row('MSFT', '412.1')] } });
    const { waits, wait } = recordedWaits();
    const result = await query(wait);
    expect(result).toEqual({
      report: 'vwap_daily',
      day: '2026-11-20',
      queryExecutionId: 'q-1',
      rows: [
        ['symbol', 'vwap'],
        ['AAPL', '231.5'],
        ['MSFT', '412.1'],
      ],
      bytesScanned: 4096,
      outputLocation: 's3://results/athena/q-1.csv',
    });
    expect(waits).toEqual([1000, 1000]);
    expect(athenaMock).toHaveReceivedCommandTimes(GetQueryResultsCommand, 2);
    expect(athenaMock).toHaveReceivedNthSpecificCommandWith(2, GetQueryResultsCommand, {
      QueryExecutionId: 'q-1',
      NextToken: 'page-2',
    });
  });

  it('returns the header alone when the day has no rows', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athenaMock.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [row('symbol', 'vwap')] } });
    await expect(query()).resolves.toMatchObject({ rows: [['symbol', 'vwap']] });
  });

  it.each([
    ['FAILED', "SYNTAX_ERROR: line 3:8: Column 'prize' cannot be resolved"],
    ['CANCELLED', 'Query cancelled by user'],
  ] as const)('fails a %s query with the reason Athena gives', async (state, reason) => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution(state, { StateChangeReason: reason }));
    await expect(query()).rejects.toThrow(`report vwap_daily (query q-1) ${state}: ${reason}`);
    expect(athenaMock).toHaveReceivedCommandTimes(GetQueryResultsCommand, 0);
  });

  it('retries throttled calls, each page by itself', async () => {
    athenaMock
      .on(GetQueryExecutionCommand)
      .rejectsOnce(awsError('TooManyRequestsException', 'Rate exceeded'))
      .resolves(execution('SUCCEEDED'));
    athenaMock
      .on(GetQueryResultsCommand)
      .resolvesOnce({ ResultSet: { Rows: [row('symbol')] }, NextToken: 't' })
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ ResultSet: { Rows: [row('AAPL')] } });
    const { waits, wait } = recordedWaits();
    await expect(query(wait)).resolves.toMatchObject({ rows: [['symbol'], ['AAPL']] });
    expect(waits).toEqual([500, 500]);
    expect(athenaMock).toHaveReceivedCommandTimes(GetQueryResultsCommand, 3);
  });

  it('gives up on throttling after its attempts, naming the call and the workgroup', async () => {
    athenaMock.on(StartQueryExecutionCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded'));
    const { waits, wait } = recordedWaits();
    await expect(query(wait)).rejects.toThrow(
      'athena:StartQueryExecution on workgroup tickstream-dev failed: TooManyRequestsException: Rate exceeded',
    );
    expect(waits).toEqual([500, 1000, 2000, 4000]);
  });

  it('fails a query that outlasts its budget', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    await expect(
      runReportQuery({
        athena,
        report,
        day: '2026-11-20',
        workGroup: 'w',
        database: 'd',
        pollMs: 1000,
        timeoutMs: 3000,
        wait: recordedWaits().wait,
      }),
    ).rejects.toThrow('report vwap_daily (query q-1) still RUNNING after 3 s');
  });
});
