import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { loadReports, loadUniqueTicksView } from '../../../lib/reports/catalog';
import { columnarPartInsert, compactionInsert } from '../../../lib/reports/columnar';
import { PlanReportsRequestSchema, planReportDays } from '../../../lib/reports/days';
import { parseRequest } from '../../../lib/shared/request';
import { ServiceError } from '../../../local/aws/glue-crawler';
import { type ReportsTasks, runReportsWorkflow } from '../../../local/aws/reports-workflow';
import { reportsDefinition } from '../../support/definition';
import { SPAWNS_A_PROCESS_MS } from '../../support/wait';

let definition: Record<string, unknown>;
// `sls print` resolves serverless.yml in a child process: several seconds, more on a busy machine.
beforeAll(async () => {
  definition = await reportsDefinition('dev');
}, SPAWNS_A_PROCESS_MS * 2);

const reportNames = loadReports().map((report) => report.name);
const viewSql = loadUniqueTicksView().sql;

/**
 * Tasks that succeed: the days are planned by the real planner (5 minutes' grace, `finalized` days already have a
 * final manifest), the crawler is READY after `pollsUntilReady` polls, every query succeeds.
 */
function tasks(
  overrides: Partial<ReportsTasks> & {
    pollsUntilReady?: number;
    lastCrawl?: string;
    finalized?: string[];
    /** Days whose folder holds ticks (default: every day). */
    withTicks?: string[];
    /** Days the catalog has a partition for (default: none, so the crawler runs). */
    catalogued?: string[];
    /** The catalog has no tick table yet (no crawl ever ran). */
    noTable?: boolean;
    /** Landed objects a move lists, by day (default: 2 for every day). */
    landedObjects?: Record<string, number>;
  } = {},
) {
  let polls = 0;
  let moves = 0;
  const base: ReportsTasks = {
    plan: jest.fn(async (payload: unknown) =>
      planReportDays({
        request: parseRequest(PlanReportsRequestSchema, 'planReports request', payload),
        graceMinutes: 5,
        isFinalized: async (day) => (overrides.finalized ?? []).includes(day),
      }),
    ),
    // moveTicks as the workflow sees it: a plan names a new part (parts count up) and its INSERT.
    move: jest.fn(async (payload: unknown) => {
      const request = payload as { step: string; day?: string; manifest?: string; keep?: string };
      const part = `2026112${moves}T000000000Z`;
      if (request.step === 'plan' || request.step === 'compact') moves++;
      switch (request.step) {
        case 'plan': {
          const day = request.day ?? '';
          return {
            day,
            part,
            objects: overrides.landedObjects?.[day] ?? 2,
            manifest: `archive/_moves/stock_ticks/dt=${day}/${part}.json`,
            insert: columnarPartInsert(day, part),
          };
        }
        case 'compact':
          return { day: request.day, part, insert: compactionInsert(request.day ?? '', part) };
        default:
          return { done: request.step };
      }
    }),
    listObjects: jest.fn<ReportsTasks['listObjects']>(async ({ Prefix }) => {
      const day = /dt=([\d-]+)\//.exec(Prefix)?.[1] ?? '';
      return { KeyCount: overrides.withTicks === undefined || overrides.withTicks.includes(day) ? 1 : 0 };
    }),
    getPartition: jest.fn<ReportsTasks['getPartition']>(async ({ PartitionValues }) => {
      const [day = ''] = PartitionValues;
      if (!(overrides.catalogued ?? []).includes(day))
        throw new ServiceError('Glue.EntityNotFoundException', `Cannot find partition ${day}.`);
      return { Partition: { Values: PartitionValues } };
    }),
    getTable: jest.fn<ReportsTasks['getTable']>(async ({ Name }) => {
      if (overrides.noTable)
        throw new ServiceError('Glue.EntityNotFoundException', `Table ${Name} not found.`);
      return { Table: { Name } };
    }),
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
  it('happy path: plans, crawls, waits for READY + SUCCEEDED, runs every report for the day, publishes', async () => {
    const t = tasks({ pollsUntilReady: 3 });
    const outcome = await runReportsWorkflow({
      definition,
      tasks: t,
      input: { day: '2026-11-20' },
      executionName: 'run-1',
      startTime: new Date('2026-11-23T10:05:00.000Z'),
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(t.plan).toHaveBeenCalledWith({
      input: { day: '2026-11-20' },
      startTime: '2026-11-23T10:05:00.000Z',
    });
    expect(t.startCrawler).toHaveBeenCalledWith({ Name: 'tickstream-dev-stock-ticks' });
    expect(t.getCrawler).toHaveBeenCalledTimes(3);
    expect(t.notify).not.toHaveBeenCalled();
    expect(t.publish).toHaveBeenCalledTimes(1);
    const payload = jest.mocked(t.publish).mock.calls[0]?.[0] as {
      day: string;
      final: boolean;
      execution: string;
      reports: { name: string }[];
    };
    // A re-reported past day is final.
    expect(payload).toMatchObject({ day: '2026-11-20', final: true, execution: 'run-1' });
    expect(payload.reports.map((report) => report.name)).toEqual(reportNames);
    expect(outcome.status === 'SUCCEEDED' && outcome.output).toEqual({ manifests: [{ published: payload }] });
  });

  it('replaces the unique-ticks view once, after the crawler, before any report', async () => {
    const t = tasks();
    await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    const calls = jest.mocked(t.runQuery).mock.calls.map(([input]) => input);
    expect(calls[0]).toEqual({
      QueryString: viewSql,
      WorkGroup: 'tickstream-dev',
      QueryExecutionContext: { Database: 'tickstream_dev' },
    });
    expect(viewSql).toMatch(/^CREATE OR REPLACE VIEW stock_ticks_unique AS/);
    expect(calls.slice(1).filter((input) => input.QueryString === viewSql)).toEqual([]);
    expect(jest.mocked(t.getCrawler).mock.invocationCallOrder.at(-1)).toBeLessThan(
      jest.mocked(t.runQuery).mock.invocationCallOrder[0] ?? 0,
    );
  });

  it('a final day: moves what landed, archives it, compacts the day into one part, then every report over the view', async () => {
    const t = tasks();
    await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    const moves = jest.mocked(t.move).mock.calls.map(([payload]) => payload);
    expect(moves).toEqual([
      { step: 'plan', day: '2026-11-20' },
      { step: 'archive', manifest: 'archive/_moves/stock_ticks/dt=2026-11-20/20261120T000000000Z.json' },
      { step: 'compact', day: '2026-11-20' },
      { step: 'drop', day: '2026-11-20', keep: '20261121T000000000Z' },
    ]);
    const [, part, compaction, ...reports] = jest.mocked(t.runQuery).mock.calls.map(([input]) => input);
    expect(part).toEqual({
      QueryString: columnarPartInsert('2026-11-20', '20261120T000000000Z'),
      WorkGroup: 'tickstream-dev',
      QueryExecutionContext: { Database: 'tickstream_dev' },
    });
    expect(compaction?.QueryString).toBe(compactionInsert('2026-11-20', '20261121T000000000Z'));
    // The order that keeps readers whole: the part is written before its objects leave the landing folder, and
    // the compacted part before the older ones are dropped.
    const order = (mock: { mock: { invocationCallOrder: number[] } }, index: number) =>
      mock.mock.invocationCallOrder[index] ?? 0;
    const runQuery = jest.mocked(t.runQuery);
    const move = jest.mocked(t.move);
    expect(order(runQuery, 1)).toBeLessThan(order(move, 1));
    expect(order(runQuery, 2)).toBeLessThan(order(move, 3));
    expect(reports).toHaveLength(reportNames.length);
    expect(reportNames.length).toBeGreaterThanOrEqual(7);
    for (const input of reports) {
      expect(input).toMatchObject({
        WorkGroup: 'tickstream-dev',
        QueryExecutionContext: { Database: 'tickstream_dev' },
        ExecutionParameters: ["'2026-11-20'"],
      });
      expect(input?.QueryString).toMatch(/FROM stock_ticks_unique/);
    }
    expect(order(move, 3)).toBeLessThan(order(runQuery, 3));
  });

  it('nothing landed since the last move: no part is written and nothing archived', async () => {
    const t = tasks({ finalized: ['2026-11-22'], landedObjects: { '2026-11-23': 0 } });
    const outcome = await runReportsWorkflow({
      definition,
      tasks: t,
      startTime: new Date('2026-11-23T14:05:00.000Z'),
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(jest.mocked(t.move).mock.calls.map(([payload]) => payload)).toEqual([
      { step: 'plan', day: '2026-11-23' },
    ]);
    expect(jest.mocked(t.runQuery).mock.calls.some(([input]) => input.QueryString.startsWith('INSERT'))).toBe(
      false,
    );
  });

  it('the day in progress moves and archives, but is not compacted', async () => {
    const t = tasks({ finalized: ['2026-11-22'] });
    await runReportsWorkflow({ definition, tasks: t, startTime: new Date('2026-11-23T14:05:00.000Z') });
    expect(jest.mocked(t.move).mock.calls.map(([payload]) => (payload as { step: string }).step)).toEqual([
      'plan',
      'archive',
    ]);
    const [, , ...reports] = jest.mocked(t.runQuery).mock.calls.map(([input]) => input.QueryString);
    expect(new Set(reports)).toEqual(new Set(loadReports().map((report) => report.sql)));
  });

  it('a failed part write notifies and fails before anything is archived or reported', async () => {
    const t = tasks({
      runQuery: jest.fn<ReportsTasks['runQuery']>(async (input) => {
        if (input.QueryString.startsWith('INSERT INTO'))
          throw new ServiceError('States.TaskFailed', 'query q failed: HIVE_PATH_ALREADY_EXISTS: …');
        return {
          QueryExecution: {
            QueryExecutionId: 'q',
            ResultConfiguration: { OutputLocation: 's3://r/q.csv' },
            Statistics: { DataScannedInBytes: 0 },
          },
        };
      }),
    });
    const outcome = await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(t.runQuery).toHaveBeenCalledTimes(2);
    expect(jest.mocked(t.move).mock.calls.map(([payload]) => (payload as { step: string }).step)).toEqual([
      'plan',
    ]);
    expect(t.publish).not.toHaveBeenCalled();
    expect(t.notify).toHaveBeenCalledTimes(1);
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
    // The view, the past day's part and its compaction, its reports.
    expect(t.runQuery).toHaveBeenCalledTimes(3 + reportNames.length);
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
        if (input.QueryString.includes('log_return'))
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

  it('checks the day folder and the catalog, then crawls a day with ticks but no partition', async () => {
    const t = tasks();
    await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    expect(t.listObjects).toHaveBeenCalledWith({
      Bucket: { Ref: 'DataBucket' },
      Prefix: 'raw/stock_ticks/dt=2026-11-20/',
      MaxKeys: 1,
    });
    expect(t.getPartition).toHaveBeenCalledWith({
      DatabaseName: 'tickstream_dev',
      TableName: 'stock_ticks',
      PartitionValues: ['2026-11-20'],
    });
    expect(t.startCrawler).toHaveBeenCalledTimes(1);
  });

  it('skips the crawler when every day is catalogued, or has no ticks, and still reports', async () => {
    for (const setup of [{ catalogued: ['2026-11-20'] }, { withTicks: [] }]) {
      const t = tasks(setup);
      const outcome = await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
      expect([setup, outcome.status]).toEqual([setup, 'SUCCEEDED']);
      expect([setup, jest.mocked(t.startCrawler).mock.calls.length]).toEqual([setup, 0]);
      expect(t.getCrawler).not.toHaveBeenCalled();
      expect(t.runQuery).toHaveBeenCalledTimes(3 + reportNames.length);
    }
    // With no ticks the catalog is not even asked.
    const empty = tasks({ withTicks: [] });
    await runReportsWorkflow({ definition, tasks: empty, input: { day: '2026-11-20' } });
    expect(empty.getPartition).not.toHaveBeenCalled();
  });

  it('crawls once when either of two planned days lacks its partition', async () => {
    const t = tasks({ catalogued: ['2026-11-20'] });
    await runReportsWorkflow({ definition, tasks: t, startTime: new Date('2026-11-21T00:05:00.000Z') });
    expect(jest.mocked(t.getPartition).mock.calls.map(([input]) => input.PartitionValues)).toEqual([
      ['2026-11-20'],
      ['2026-11-21'],
    ]);
    expect(t.startCrawler).toHaveBeenCalledTimes(1);
    const again = tasks({ catalogued: ['2026-11-20', '2026-11-21'] });
    await runReportsWorkflow({ definition, tasks: again, startTime: new Date('2026-11-21T00:05:00.000Z') });
    expect(again.startCrawler).not.toHaveBeenCalled();
  });

  it('before any tick has landed: no crawl, no query, no alert, a run with no reports that says why', async () => {
    const t = tasks({ withTicks: [], noTable: true, finalized: ['2026-11-22'] });
    const outcome = await runReportsWorkflow({
      definition,
      tasks: t,
      startTime: new Date('2026-11-23T14:05:00.000Z'),
    });
    expect(outcome).toEqual({
      status: 'SUCCEEDED',
      output: {
        manifests: [],
        days: [{ day: '2026-11-23', final: false }],
        noTicksYet: 'no ticks have landed yet, so there is no table to report from',
      },
      notifications: [],
    });
    expect(t.getTable).toHaveBeenCalledWith(expect.objectContaining({ Name: 'stock_ticks' }));
    expect(t.startCrawler).not.toHaveBeenCalled();
    expect(t.runQuery).not.toHaveBeenCalled();
    expect(t.publish).not.toHaveBeenCalled();
    expect(t.notify).not.toHaveBeenCalled();
  });

  it('a day without ticks on a stage that has a table still reports it (with no rows)', async () => {
    const t = tasks({ withTicks: [], catalogued: [] });
    const outcome = await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(t.startCrawler).not.toHaveBeenCalled();
    expect(published(t)).toEqual([{ day: '2026-11-20', final: true, reports: reportNames.length }]);
  });

  it('a failed catalog check notifies and fails', async () => {
    const t = tasks({
      getPartition: jest.fn<ReportsTasks['getPartition']>(async () => {
        throw new ServiceError('Glue.AccessDeniedException', 'not authorized to perform glue:GetPartition');
      }),
    });
    const outcome = await runReportsWorkflow({ definition, tasks: t, input: { day: '2026-11-20' } });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'Glue.AccessDeniedException' });
    expect(t.startCrawler).not.toHaveBeenCalled();
    expect(outcome.notifications).toHaveLength(1);
  });

  const published = (t: ReturnType<typeof tasks>) =>
    jest.mocked(t.publish).mock.calls.map(([payload]) => {
      const { day, final, reports } = payload as { day: string; final: boolean; reports: unknown[] };
      return { day, final, reports: reports.length };
    });

  it('reports on the day the execution starts, partial, when none is given', async () => {
    const t = tasks({ finalized: ['2026-11-22'] });
    await runReportsWorkflow({ definition, tasks: t, startTime: new Date('2026-11-23T14:05:00.000Z') });
    expect(published(t)).toEqual([{ day: '2026-11-23', final: false, reports: reportNames.length }]);
  });

  it('the first run after midnight finalizes the day that ended, then reports the new one', async () => {
    const t = tasks({ finalized: ['2026-11-19'] });
    const outcome = await runReportsWorkflow({
      definition,
      tasks: t,
      startTime: new Date('2026-11-21T00:05:00.000Z'),
    });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(published(t)).toEqual([
      { day: '2026-11-20', final: true, reports: reportNames.length },
      { day: '2026-11-21', final: false, reports: reportNames.length },
    ]);
    // The view once; the ended day's part and compaction, the new day's part; every report for each day.
    expect(t.runQuery).toHaveBeenCalledTimes(1 + 3 + 2 * reportNames.length);
    expect(
      outcome.status === 'SUCCEEDED' && (outcome.output as { manifests: unknown[] }).manifests,
    ).toHaveLength(2);
  });

  it('before the grace minutes, or once the day is final, a run reports only the day in progress', async () => {
    const early = tasks();
    await runReportsWorkflow({ definition, tasks: early, startTime: new Date('2026-11-21T00:04:59.000Z') });
    expect(published(early)).toEqual([{ day: '2026-11-21', final: false, reports: reportNames.length }]);
    const done = tasks({ finalized: ['2026-11-20'] });
    await runReportsWorkflow({ definition, tasks: done, startTime: new Date('2026-11-21T01:05:00.000Z') });
    expect(published(done)).toEqual([{ day: '2026-11-21', final: false, reports: reportNames.length }]);
  });

  it("a day after the execution's own is refused before the crawler runs, and notified", async () => {
    const t = tasks();
    const outcome = await runReportsWorkflow({
      definition,
      tasks: t,
      input: { day: '2026-11-24' },
      startTime: new Date('2026-11-23T10:00:00.000Z'),
    });
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'InvalidRequestError',
      cause:
        "invalid planReports request: day 2026-11-24 is after the execution's day 2026-11-23: no tick can have landed for it yet",
    });
    expect(t.startCrawler).not.toHaveBeenCalled();
    expect(outcome.notifications).toHaveLength(1);
  });
});
