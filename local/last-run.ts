import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseCsv } from '../lib/csv';
import { loadUniqueTicksView, type Report } from '../lib/reports/catalog';
import { parseS3Url } from '../lib/s3';
import { createLocalAthena } from './athena';
import { createLocalCrawler, type LocalCatalog } from './glue-crawler';
import { LOCAL_RUN_DIR } from './outputs';
import { startLocalS3 } from './s3';

/** What `npm run pipeline` wrote to `run.json` (the fields read here). */
export interface LastRunSummary {
  produced: number;
  landed: number;
  duplicated: number;
  quarantined: number;
  bucket: string;
  window: { start: string; end: string };
  reports: Record<string, number>;
  dashboard: string;
  results: string;
  log: string;
}

/** The summary of the last local run in `dir`; throws, saying how to make one, when there is none. */
export function readLastRun(dir: string = LOCAL_RUN_DIR): LastRunSummary {
  const file = join(dir, 'run.json');
  if (!existsSync(file)) throw new Error(`no local run in ${dir}: run npm run pipeline first`);
  return JSON.parse(readFileSync(file, 'utf8')) as LastRunSummary;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Runs a report over the ticks the last local run landed (`<dir>/s3/<data bucket>/raw/stock_ticks`), as the
 * local workflow does: the files go into a scratch local S3, the crawler stand-in catalogs them, and the report's
 * SQL runs unedited in DuckDB with the day as its parameter. Returns the rows, header first.
 */
export async function queryLastRun(params: {
  report: Report;
  day: string;
  dir?: string;
}): Promise<{ rows: string[][]; bytesScanned: number }> {
  const dir = params.dir ?? LOCAL_RUN_DIR;
  const { bucket } = readLastRun(dir);
  const bucketDir = join(dir, 's3', bucket);
  const results = 'tickstream-local-results';
  const s3 = await startLocalS3({
    storageDir: mkdtempSync(join(tmpdir(), 'tickstream-last-run-')),
    buckets: [bucket, results],
    removeOnStop: true,
  });
  const duckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await duckdb.connect();
  try {
    for (const file of filesUnder(join(bucketDir, 'raw')))
      await s3.client.send(
        new PutObjectCommand({ Bucket: bucket, Key: relative(bucketDir, file), Body: readFileSync(file) }),
      );
    const catalog: LocalCatalog = new Map();
    const database = 'tickstream_local';
    await createLocalCrawler({
      name: 'local',
      database,
      table: 'stock_ticks',
      bucket,
      prefix: 'raw/stock_ticks/',
      s3: s3.client,
      storageDir: s3.storageDir,
      duckdb: connection,
      catalog,
    }).start();
    const athena = createLocalAthena({ duckdb: connection, catalog, s3: s3.client, resultsBucket: results });
    // The view every report reads, as the workflow creates it after the crawl.
    await athena.startQueryExecutionSync({
      QueryString: loadUniqueTicksView().sql,
      QueryExecutionContext: { Database: database },
    });
    const { QueryExecution } = await athena.startQueryExecutionSync({
      QueryString: params.report.sql,
      QueryExecutionContext: { Database: database },
      ExecutionParameters: [`'${params.day}'`],
    });
    const { key } = parseS3Url(QueryExecution.ResultConfiguration.OutputLocation);
    const object = await s3.client.send(new GetObjectCommand({ Bucket: results, Key: key }));
    return {
      rows: parseCsv((await object.Body?.transformToString()) ?? ''),
      bytesScanned: QueryExecution.Statistics.DataScannedInBytes,
    };
  } finally {
    connection.closeSync();
    duckdb.closeSync();
    await s3.stop();
  }
}
