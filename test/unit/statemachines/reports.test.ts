import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { loadReports } from '../../../lib/reports/catalog';
import { ServiceError } from '../../../local/glue-crawler';
import { type ReportsTasks, runReportsWorkflow } from '../../../local/reports-workflow';
import { reportsDefinition } from '../../support/definition';

let definition: Record<string, unknown>;
beforeAll(async () => {
  definition = await reportsDefinition('dev');
});

const reportNames = loadReports().map((report) => report.name);

/** Tasks that succeed: the crawler is READY after `pollsUntilReady` polls, every query succeeds. */
function tasks(overrides: Partial<ReportsTasks> & { pollsUntilReady?: number; lastCrawl?: string } = {}) {
  let polls = 0;
  const base: ReportsTasks = {
    startCrawler: jest.fn(async () => ({})),
    getCrawler: jest.fn(async () => {
      polls++;
      const ready = polls >= (overrides.pollsUntilReady ?? 1);
      return {
        Crawler: {
          Name: 'c',
          State: ready ? 'READY' : 'RUNNING',
          LastCrawl: { Status: overrides.lastCrawl ?? 'SUCCEEDED' },
        },
      };
    }),
    runQuery: jest.fn<ReportsTasks['runQuery']>(async (input) => ({
      QueryExecution: {
        QueryExecutionId: `q-${input.QueryString.length}`,
        ResultConfiguration: { OutputLocation: `s3://results/athena/q-${input.QueryString.length}.csv` },
        Statistics: { DataScannedInBytes: 1024 },
      },
    })),
    publish: jest.fn(async (payload) => ({ published: payload })),
    notify: jest.fn(async () => undefined),
  };
  return { ...base, ...overrides };
}

describe('reports workflow (statemachines/reports.asl.yml)', () => {
  it('happy path: crawls, waits for READY + SUCCEEDED, runs every report for the day, publishes', async () => {
    const t = tasks({ pollsUntilReady: 3 });
    const outcome = await runReportsWorkflow({
      definition,
      tasks: t,
      input: { day: '2026-11-20' },
      executionName: 'run-1',
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(t.startCrawler).toHaveBeenCalledWith({ Name: 'tickstream-dev-stock-ticks' });
    expect(t.getCrawler).toHaveBeenCalledTimes(3);
    expect(t.notify).not.toHaveBeenCalled();
    const payload = jest.mocked(t.publish).mock.calls[0]?.[0] as {
      day: string;
      execution: string;
      reports: { name: string }[];
    };
    expect(payload.day).toBe('2026-11-20');
    expect(payload.execution).toBe('run-1');
    expect(payload.reports.map((report) => report.name)).toEqual(reportNames);
    expect(outcome.status === 'SUCCEEDED' && outcome.output).toEqual({ published: payload });
  });

  it('the Map runs every report in the workgroup and database, with the day as a quoted parameter', async () => {
    const t = tasks();
    await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    const calls = jest.mocked(t.runQuery).mock.calls.map(([input]) => input);
    expect(calls).toHaveLength(reportNames.length);
    expect(reportNames.length).toBeGreaterThanOrEqual(7);
    for (const input of calls) {
      expect(input).toMatchObject({
        WorkGroup: 'tickstream-dev',
        QueryExecutionContext: { Database: 'tickstream_dev' },
        ExecutionParameters: ["'2026-11-20'"],
      });
    }
    expect(new Set(calls.map((input) => input.QueryString))).toEqual(
      new Set(loadReports().map((report) => report.sql)),
    );
  });

  it('crawler already running: waits for that crawl and carries on', async () => {
    const t = tasks({
      pollsUntilReady: 2,
      startCrawler: jest.fn(async () => {
        throw new ServiceError(
          'Glue.CrawlerRunningException',
          'Crawler with name tickstream-dev-stock-ticks has already started',
        );
      }),
    });
    const outcome = await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(t.getCrawler).toHaveBeenCalledTimes(2);
    expect(t.runQuery).toHaveBeenCalledTimes(reportNames.length);
  });

  it('crawler ends FAILED: notifies and fails without running reports', async () => {
    const t = tasks({ lastCrawl: 'FAILED' });
    const outcome = await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'CrawlerFailed',
      cause: 'the crawler finished its last crawl as {"Status":"FAILED"}',
    });
    expect(t.runQuery).not.toHaveBeenCalled();
    expect(outcome.notifications).toHaveLength(1);
    expect(outcome.notifications[0]).toMatch(/CrawlerFailed.*FAILED/);
  });

  it('crawler stuck past the poll budget: notifies and fails', async () => {
    const t = tasks({ pollsUntilReady: 1_000 });
    const outcome = await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'CrawlerStuck' });
    // crawlerMaxPolls is 40 in serverless.yml's params.
    expect(t.getCrawler).toHaveBeenCalledTimes(40);
    expect(outcome.notifications[0]).toMatch(/CrawlerStuck.*still RUNNING after 40 polls/);
    expect(t.runQuery).not.toHaveBeenCalled();
  });

  it('one Athena query fails: notifies and fails, nothing is published', async () => {
    const succeeding = tasks().runQuery;
    const t = tasks({
      runQuery: jest.fn<ReportsTasks['runQuery']>(async (input) => {
        if (input.QueryString.includes('stddev_samp'))
          throw new ServiceError('States.TaskFailed', 'SYNTAX_ERROR: line 3:5');
        return succeeding(input);
      }),
    });
    const outcome = await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: expect.stringContaining('SYNTAX_ERROR: line 3:5'),
    });
    expect(t.publish).not.toHaveBeenCalled();
    expect(outcome.notifications[0]).toMatch(/States.TaskFailed.*SYNTAX_ERROR/);
  });

  it('a failing start of the crawler (not "already running") notifies and fails', async () => {
    const t = tasks({
      startCrawler: jest.fn(async () => {
        throw new ServiceError(
          'Glue.EntityNotFoundException',
          'Crawler entry with name tickstream-dev-stock-ticks does not exist',
        );
      }),
    });
    const outcome = await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'Glue.EntityNotFoundException',
      cause: expect.stringContaining('tickstream-dev-stock-ticks does not exist'),
    });
    expect(t.getCrawler).not.toHaveBeenCalled();
    expect(outcome.notifications[0]).toMatch(/Glue.EntityNotFoundException/);
  });

  it('reports on the day the execution starts when none is given', async () => {
    const t = tasks();
    await runReportsWorkflow({ definition, tasks: t });
    const payload = jest.mocked(t.publish).mock.calls[0]?.[0] as { day: string };
    expect(payload.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
