import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../cli/tickstream';
import { localRuns } from '../../../local/pipeline/last-run';
import { devResources, recordedWaits, serveDevStack } from '../../fixtures/stage';
import { statusMocks } from '../../fixtures/status-mocks';

const cloudFormationMock = mockClient(CloudFormationClient);
const athenaMock = mockClient(AthenaClient);
const status = statusMocks();
const sfnMock = status.sfn;
const executionArn = `${devResources.stateMachineArn.replace(':stateMachine:', ':execution:')}:run-7`;

/** The regions the CLI asked for clients in, one per command run. */
const regions: string[] = [];

/** Runs the CLI in this process with mocked AWS clients; returns its exit status and what it printed. */
async function cli(...argv: string[]) {
  return cliWithEnv({}, ...argv);
}

async function cliWithEnv(env: Record<string, string>, ...argv: string[]) {
  const printed = { out: '', err: '' };
  const code = await runCli(argv, {
    env,
    clients: (region) => {
      regions.push(region);
      return {
        cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
        athena: new AthenaClient({ region: 'us-east-1' }),
        s3: new S3Client({ region: 'us-east-1' }),
        ...status.clients,
      };
    },
    out: (text) => {
      printed.out += text;
    },
    err: (text) => {
      printed.err += text;
    },
    wait: recordedWaits().wait,
    now: () => new Date('2026-11-20T15:30:00Z'),
    localRuns: () => localRuns('/nonexistent/run'),
  });
  return { code, ...printed };
}

describe('the tickstream CLI', () => {
  beforeEach(() => {
    cloudFormationMock.reset();
    athenaMock.reset();
    status.healthy();
    serveDevStack(cloudFormationMock);
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-9' });
    athenaMock.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: 'q-9',
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: 2048 },
      },
    });
    athenaMock.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        Rows: [
          { Data: [{ VarCharValue: 'symbol' }, { VarCharValue: 'vwap' }] },
          { Data: [{ VarCharValue: 'AAPL' }, { VarCharValue: '231.5' }] },
        ],
      },
    });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });
  });

  it('report prints the rows as a table, today by default, with a summary on stderr', async () => {
    const result = await cli('report', 'vwap_daily', '--stage', 'dev');
    expect(result).toEqual({
      code: 0,
      out: 'symbol  vwap\n------  -----\nAAPL    231.5\n',
      err: 'vwap_daily for 2026-11-20: 1 rows, 2048 bytes scanned (query q-9)\n',
    });
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      WorkGroup: 'tickstream-dev',
      ExecutionParameters: ["'2026-11-20'"],
    });
  });

  it.each([
    ['csv', '"symbol","vwap"\n"AAPL","231.5"\n'],
    ['json', `${JSON.stringify([{ symbol: 'AAPL', vwap: '231.5' }], null, 2)}\n`],
  ])('report --format %s', async (format, printed) => {
    const result = await cli('report', 'vwap_daily', '--day', '2026-11-19', '--format', format);
    expect(result).toMatchObject({ code: 0, out: printed });
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      ExecutionParameters: ["'2026-11-19'"],
    });
  });

  it.each([
    [['report', 'vwap'], /^tickstream: unknown report vwap; the reports are biggest_movers, /],
    [['report', 'vwap_daily', '--day', '2026-02-30'], /^tickstream: invalid day "2026-02-30"/],
    [['status', '--stage', 'other'], /^tickstream: unknown stage other: there is no CloudFormation stack/],
    [['report', 'vwap_daily', '--format', 'xml'], /option '--format <format>' argument 'xml' is invalid/],
    [['reports', 'run', '--timeout', 'soon'], /^tickstream: invalid --timeout "soon"/],
    [['status', '--local'], /^tickstream: no local run in \/nonexistent\/run: run npm run pipeline first/],
    [['report', 'vwap_daily', '--local'], /^tickstream: no local run in \/nonexistent\/run/],
  ])('rejects bad input %j with one clear line and exit 2, calling no AWS query', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
    expect(athenaMock).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 0);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it.each([
    [
      ['report', 'vwap_daily', '--format', 'xml'],
      "error: option '--format <format>' argument 'xml' is invalid",
    ],
    [['status', '--stgae', 'dev'], "error: unknown option '--stgae'"],
    [['nope'], "error: unknown command 'nope'"],
  ])(
    'a command-line mistake %j prints one error line and where to find the options, not the whole help',
    async (argv, line) => {
      const result = await cli(...argv);
      expect(result.code).toBe(2);
      const lines = result.err.trimEnd().split('\n');
      expect(lines[0]).toContain(line);
      expect(lines.at(-1)).toBe("(tickstream <command> --help lists the command's options)");
      // At most commander's suggestion between them ("(Did you mean --stage?)").
      expect(lines.length).toBeLessThanOrEqual(3);
      expect(result.err).not.toContain('Usage:');
    },
  );

  it('works in the region sls deploy uses: --region, else AWS_REGION, else us-east-1 (never a profile of its own)', async () => {
    regions.length = 0;
    expect((await cliWithEnv({}, 'status')).code).toBe(0);
    expect((await cliWithEnv({ AWS_REGION: 'eu-west-1' }, 'status')).code).toBe(0);
    expect((await cliWithEnv({ AWS_REGION: 'eu-west-1' }, 'status', '--region', 'ap-south-1')).code).toBe(0);
    expect((await cliWithEnv({ AWS_PROFILE: 'other', AWS_DEFAULT_REGION: 'sa-east-1' }, 'status')).code).toBe(
      0,
    );
    expect(regions).toEqual(['us-east-1', 'eu-west-1', 'ap-south-1', 'us-east-1']);
  });

  it('report: a failed query prints Athena’s reason and exits 1', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND: stock_ticks' } },
    });
    const result = await cli('report', 'ohlc_1m');
    expect(result).toEqual({
      code: 1,
      out: '',
      err: 'tickstream: report ohlc_1m (query q-9) FAILED: TABLE_NOT_FOUND: stock_ticks\n',
    });
  });

  it('reports run starts the workflow and prints the execution ARN', async () => {
    const result = await cli('reports', 'run', '--stage', 'dev', '--day', '2026-11-19');
    expect(result).toMatchObject({ code: 0, out: `${executionArn}\n` });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: devResources.stateMachineArn,
      input: '{"day":"2026-11-19"}',
    });
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 0);
  });

  it("reports run --wait prints each day's reports, final or partial, from the manifests", async () => {
    const manifest = (day: string, final: boolean) => ({
      day,
      final,
      manifest: `s3://r/reports/_runs/dt=${day}/run-7.json`,
      dashboard: `s3://r/reports/_runs/dt=${day}/run-7.html`,
      reports: ['latest_price', 'vwap_daily'].map((name) => ({
        name,
        rows: 20,
        object: `s3://r/reports/${name}/dt=${day}/run-7.csv`,
        latest: `s3://r/reports/${name}/latest.csv`,
      })),
    });
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce({ executionArn, stateMachineArn: '', status: 'RUNNING', startDate: new Date() })
      .resolves({
        executionArn,
        stateMachineArn: '',
        status: 'SUCCEEDED',
        startDate: new Date(),
        output: JSON.stringify({ manifests: [manifest('2026-11-19', true), manifest('2026-11-20', false)] }),
      });
    const result = await cli('reports', 'run', '--wait');
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        'day 2026-11-19 (final):',
        'report        rows  csv',
        `------------  ----  ${'-'.repeat('s3://r/reports/latest_price/dt=2026-11-19/run-7.csv'.length)}`,
        'latest_price  20    s3://r/reports/latest_price/dt=2026-11-19/run-7.csv',
        'vwap_daily    20    s3://r/reports/vwap_daily/dt=2026-11-19/run-7.csv',
        'manifest s3://r/reports/_runs/dt=2026-11-19/run-7.json, dashboard s3://r/reports/_runs/dt=2026-11-19/run-7.html',
        'day 2026-11-20 (partial):',
        'report        rows  csv',
        `------------  ----  ${'-'.repeat('s3://r/reports/latest_price/dt=2026-11-19/run-7.csv'.length)}`,
        'latest_price  20    s3://r/reports/latest_price/dt=2026-11-20/run-7.csv',
        'vwap_daily    20    s3://r/reports/vwap_daily/dt=2026-11-20/run-7.csv',
        'manifest s3://r/reports/_runs/dt=2026-11-20/run-7.json, dashboard s3://r/reports/_runs/dt=2026-11-20/run-7.html',
        '',
      ].join('\n'),
    );
    expect(result.err).toContain(`started ${executionArn} for 2026-11-20 (today, UTC)`);
    expect(result.err).toContain('RUNNING after 0 s');
  });

  it('reports run --wait before any tick has landed: says there was nothing to report, exit 0', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn,
      stateMachineArn: '',
      status: 'SUCCEEDED',
      startDate: new Date(),
      output: JSON.stringify({
        manifests: [],
        days: [{ day: '2026-11-20', final: false }],
        noTicksYet: 'no ticks have landed yet, so there is no table to report from',
      }),
    });
    const result = await cli('reports', 'run', '--wait');
    expect(result).toMatchObject({
      code: 0,
      out: 'no reports: no ticks have landed yet, so there is no table to report from\n',
    });
  });

  it('reports run --wait: a failed execution prints its error and cause and exits 1', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn,
      stateMachineArn: '',
      status: 'FAILED',
      startDate: new Date(),
      error: 'States.TaskFailed',
      cause: 'SYNTAX_ERROR: line 3:8',
    });
    const result = await cli('reports', 'run', '--wait');
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      `tickstream: reports execution ${executionArn} FAILED: States.TaskFailed: SYNTAX_ERROR: line 3:8\n`,
    );
  });

  it('status prints the stage as readable lines', async () => {
    const result = await cli('status', '--stage', 'dev');
    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toEqual([
      'stage dev, day 2026-11-20',
      'crawler   tickstream-dev-stock-ticks: READY, last crawl SUCCEEDED at 2026-11-20T14:00:07.000Z',
      'table     tickstream_dev.stock_ticks: 10 columns, partitioned by dt, hour, updated 2026-11-20T14:01:00.000Z',
      '          2 partitions for 2026-11-20 (dt=2026-11-20/hour=13 … dt=2026-11-20/hour=14)',
      'workflow  last executions:',
      '          SUCCEEDED  2026-11-20T14:00:05.000Z  e2',
      `mapping   landTicks ← Kafka (${devResources.landTicksMappingId}): Enabled, last processing result OK`,
      'alarms    none in ALARM',
      '',
    ]);
  });

  it('status --json prints the same as JSON', async () => {
    const result = await cli('status', '--json', '--day', '2026-11-20');
    expect(JSON.parse(result.out)).toMatchObject({
      stage: 'dev',
      crawler: { state: 'READY' },
      alarmsInAlarm: [],
    });
  });
});
