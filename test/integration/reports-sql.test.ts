import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TICK_FIELDS } from '../../lib/contract/tick';
import { LINEAGE_FIELDS } from '../../lib/land/plan';
import { landBatch } from '../../lib/land/write';
import { loadReports, loadUniqueTicksView } from '../../lib/reports/catalog';
import { columnarTableDdl } from '../../lib/reports/columnar';
import { parseCsv } from '../../lib/reports/csv';
import { createLocalAthena, parameterizedStatement } from '../../local/aws/athena';
import { createLocalCrawler } from '../../local/aws/glue-crawler';
import { type LocalS3, startLocalS3 } from '../../local/services/s3/s3';
import type { LocalHiveCatalog } from '../../local/services/trino/hive-catalog';
import { kafkaEvent } from '../fixtures/kafka-events';
import { REPORT_DAY_TICKS } from '../fixtures/report-ticks';
import { testHiveCatalog } from '../support/trino';

const DATA = 'tickstream-test-data';
const RESULTS = 'tickstream-test-results';
let s3: LocalS3;
let catalog: LocalHiveCatalog;
let athena: ReturnType<typeof createLocalAthena>;
let crawler: ReturnType<typeof createLocalCrawler>;

beforeAll(async () => {
  s3 = await startLocalS3({
    storageDir: mkdtempSync(join(tmpdir(), 'reports-s3-')),
    buckets: [DATA, RESULTS],
    removeOnStop: true,
  });
  // The fixture lands through the real landing path, so the files are exactly what landTicks writes.
  await landBatch({
    batch: kafkaEvent(REPORT_DAY_TICKS.map((value, offset) => ({ partition: offset % 2, offset, value }))),
    s3: s3.client,
    bucket: DATA,
  });
  await s3.client.send(
    new PutObjectCommand({
      Bucket: DATA,
      Key: 'quarantine/stock_ticks/dt=2026-11-20/x+0+0.json.gz',
      Body: 'not gzip',
    }),
  );
  catalog = await testHiveCatalog(s3, 'tickstream_test');
  crawler = createLocalCrawler({
    name: 'crawler',
    database: 'tickstream_test',
    table: 'stock_ticks',
    bucket: DATA,
    prefix: 'raw/stock_ticks/',
    s3: s3.client,
    catalog,
  });
  athena = createLocalAthena({ catalog, s3: s3.client, resultsBucket: RESULTS });
  await crawler.start();
  // The columnar table CloudFormation creates (empty: nothing has moved), then what the workflow does after the
  // crawl, before the reports.
  await athena.startQueryExecutionSync({
    QueryString: columnarTableDdl(`s3://${DATA}/columnar/stock_ticks`),
    QueryExecutionContext: { Database: 'tickstream_test' },
  });
  await athena.startQueryExecutionSync({
    QueryString: loadUniqueTicksView().sql,
    QueryExecutionContext: { Database: 'tickstream_test' },
  });
});

afterAll(async () => {
  await catalog?.drop();
  await s3?.stop();
});

const reports = new Map(loadReports().map((report) => [report.name, report.sql]));

/** Runs a report for 2026-11-20 the way the workflow does and reads its CSV back, numbers as numbers. */
async function run(name: string, day = '2026-11-20'): Promise<(string | number | null)[][]> {
  const sql = reports.get(name);
  if (!sql) throw new Error(`no report ${name}`);
  const result = await athena.startQueryExecutionSync({
    QueryString: sql,
    WorkGroup: 'tickstream-test',
    QueryExecutionContext: { Database: 'tickstream_test' },
    ExecutionParameters: [`'${day}'`],
  });
  const location = result.QueryExecution.ResultConfiguration.OutputLocation;
  expect(location).toMatch(new RegExp(`^s3://${RESULTS}/athena/[0-9a-f-]+\\.csv$`));
  const object = await s3.client.send(
    new GetObjectCommand({ Bucket: RESULTS, Key: location.replace(`s3://${RESULTS}/`, '') }),
  );
  const [, ...rows] = parseCsv((await object.Body?.transformToString()) ?? '');
  return rows.map((row) =>
    row.map((cell) => (cell === '' ? null : /^-?\d+(\.\d+)?(E-?\d+)?$/.test(cell) ? Number(cell) : cell)),
  );
}

describe('local Glue crawler', () => {
  it('catalogs one table with the tick and lineage columns and dt partitions, quarantine left out', async () => {
    const session = { catalog: catalog.name, schema: 'tickstream_test' };
    const columns = await catalog.client.query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'stock_ticks' ORDER BY ordinal_position",
      session,
    );
    // Glue's types for JSON: whole numbers that fit 32 bits are int (Trino: integer), others double; the
    // partition key is a string from the folder name.
    expect(columns.rows.map(([name]) => name)).toEqual([...TICK_FIELDS, ...LINEAGE_FIELDS, 'dt']);
    expect(Object.fromEntries(columns.rows.map(([name, type]) => [name, type]))).toMatchObject({
      price: 'double',
      volume: 'integer',
      kafka_offset: 'integer',
      symbol: 'varchar',
      dt: 'varchar',
    });
    const partitions = await catalog.client.query(
      'SELECT dt FROM "stock_ticks$partitions" ORDER BY dt',
      session,
    );
    expect(partitions.rows).toEqual([['2026-11-20'], ['2026-11-21']]);
    const properties = await catalog.client.query('SHOW CREATE TABLE stock_ticks', session);
    expect(String(properties.rows[0]?.[0])).toMatch(/format = 'OPENX_JSON'/);
    expect(String(properties.rows[0]?.[0])).toMatch(
      /external_location = 's3:\/\/tickstream-test-data\/raw\/stock_ticks'/,
    );
    expect(await crawler.get()).toEqual({
      Crawler: {
        Name: 'crawler',
        State: 'READY',
        LastCrawl: expect.objectContaining({ Status: 'SUCCEEDED' }),
      },
    });
  });
});

describe('report SQL over the fixture day (hand-computed results)', () => {
  it('top_symbols_by_avg_price: the original first query', async () => {
    expect(await run('top_symbols_by_avg_price')).toEqual([
      ['AAPL', 103.5, 3],
      ['KO', 52.5, 2],
    ]);
  });

  it('volume_by_symbol: the original second query, with the latest update', async () => {
    expect(await run('volume_by_symbol')).toEqual([
      ['KO', 200, '2026-11-20T15:00:00.000Z'],
      ['AAPL', 60, '2026-11-20T14:31:00.000Z'],
    ]);
  });

  it('vwap_daily: (100.5·10 + 110.5·20 + 99.5·30) / 60 = 103.3333', async () => {
    expect(await run('vwap_daily')).toEqual([
      ['AAPL', 103.3333, 60, 3],
      ['KO', 52.5, 200, 2],
    ]);
  });

  it('ohlc_1m: one candle per symbol and minute', async () => {
    expect(await run('ohlc_1m')).toEqual([
      ['AAPL', '2026-11-20T14:30', 100.5, 110.5, 100.5, 110.5, 30, 2],
      ['AAPL', '2026-11-20T14:31', 99.5, 99.5, 99.5, 99.5, 30, 1],
      ['KO', '2026-11-20T14:30', 50, 50, 50, 50, 100, 1],
      ['KO', '2026-11-20T15:00', 55, 55, 55, 55, 100, 1],
    ]);
  });

  it('latest_price: the last quote of the day, never the next day', async () => {
    expect(await run('latest_price')).toEqual([
      ['AAPL', 99.5, 99.49, 99.51, '2026-11-20T14:31:00.000Z'],
      ['KO', 55, 54.99, 55.01, '2026-11-20T15:00:00.000Z'],
    ]);
  });

  it('volatility: stddev of ln(110.5/100.5), ln(99.5/110.5) = 0.1412203; one return has none', async () => {
    expect(await run('volatility')).toEqual([
      ['AAPL', 2, 0.1412203],
      ['KO', 1, null],
    ]);
  });

  it('biggest_movers: KO +10%, AAPL -0.995%', async () => {
    expect(await run('biggest_movers')).toEqual([
      ['KO', 50, 55, 10],
      ['AAPL', 100.5, 99.5, -0.995],
    ]);
  });

  it('every report takes exactly one parameter, the day, and filters on the dt partition', () => {
    const shapes = [...reports].map(([name, sql]) => {
      const withoutComments = sql.replace(/--.*$/gm, '');
      return {
        name,
        parameters: withoutComments.match(/\?/g)?.length ?? 0,
        filtersDay: /WHERE dt = \?/.test(withoutComments),
      };
    });
    expect(shapes).toEqual([...reports.keys()].map((name) => ({ name, parameters: 1, filtersDay: true })));
  });

  it('binds execution parameters in Trino and rejects one that is not a literal', () => {
    expect(() => parameterizedStatement('SELECT 1 WHERE dt = ?', ['DROP TABLE x'])).toThrow(
      /is not a literal/,
    );
    expect(parameterizedStatement("SELECT 'a' WHERE x = ? AND y = ?", ["'O''Hare'", '42'])).toBe(
      "EXECUTE IMMEDIATE 'SELECT ''a'' WHERE x = ? AND y = ?' USING 'O''Hare', 42",
    );
  });
});

/** Every report's rows for a day, by name. */
async function runAll(day = '2026-11-20') {
  const results: Record<string, unknown> = {};
  for (const name of reports.keys()) results[name] = await run(name, day);
  return results;
}

describe('each tick counts once, whatever stands in the bucket twice', () => {
  let before: Record<string, unknown>;
  beforeAll(async () => {
    before = await runAll();
    // The same ticks published again (new offsets), and the original offsets re-driven two records a batch:
    // other first offsets, so other object names, as a mapping reset to the earliest offset lands them.
    await landBatch({
      batch: kafkaEvent(REPORT_DAY_TICKS.map((value, i) => ({ partition: i % 2, offset: 100 + i, value }))),
      s3: s3.client,
      bucket: DATA,
    });
    for (let first = 1; first < REPORT_DAY_TICKS.length; first += 2) {
      await landBatch({
        batch: kafkaEvent(
          REPORT_DAY_TICKS.slice(first, first + 2).map((value, i) => ({
            partition: (first + i) % 2,
            offset: first + i,
            value,
          })),
        ),
        s3: s3.client,
        bucket: DATA,
      });
    }
    await crawler.start();
  });

  it('the bucket holds every tick two or three times, and every report is unchanged', async () => {
    const count = await athena.startQueryExecutionSync({
      QueryString:
        'SELECT count(*) AS lines, count(DISTINCT symbol || "timestamp") AS ticks FROM stock_ticks',
      QueryExecutionContext: { Database: 'tickstream_test' },
    });
    const location = count.QueryExecution.ResultConfiguration.OutputLocation.replace(`s3://${RESULTS}/`, '');
    const object = await s3.client.send(new GetObjectCommand({ Bucket: RESULTS, Key: location }));
    const [, counts] = parseCsv((await object.Body?.transformToString()) ?? '');
    const [lines = 0, ticks = 0] = counts?.map(Number) ?? [];
    // The republished copies stand in objects of their own; the re-drive's replace or add to the first ones.
    expect(ticks).toBe(REPORT_DAY_TICKS.length);
    expect(lines).toBeGreaterThanOrEqual(2 * REPORT_DAY_TICKS.length);
    expect(await runAll()).toEqual(before);
  });

  it('of two different records for one tick, the one Kafka received last counts', async () => {
    const first = {
      ...REPORT_DAY_TICKS[0],
      timestamp: '2026-11-22T10:00:00.000Z',
    } as (typeof REPORT_DAY_TICKS)[0];
    const corrected = { ...first, price: 200, bid: 199.99, ask: 200.01, volume: 7 };
    // The first record, then its correction in the next batch, then the first re-driven alone: the bucket's
    // newest object holds the older record, yet the correction counts.
    const batches = [
      { offset: 500, value: first },
      { offset: 501, value: corrected },
      { offset: 500, value: first },
    ];
    for (const record of batches)
      await landBatch({ batch: kafkaEvent([{ partition: 0, ...record }]), s3: s3.client, bucket: DATA });
    await crawler.start();
    expect(await run('vwap_daily', '2026-11-22')).toEqual([['AAPL', 200, 7, 1]]);
  });
});
