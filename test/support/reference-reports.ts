import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { landBatch } from '../../lib/landing';
import { loadReports, loadUniqueTicksView } from '../../lib/reports/catalog';
import type { Tick } from '../../lib/tick';
import { createLocalAthena } from '../../local/athena';
import { createLocalCrawler, type LocalCatalog } from '../../local/glue-crawler';
import { startLocalS3 } from '../../local/s3';
import { kafkaEvent } from '../fixtures/kafka-events';

/**
 * What every report says about `day` when `ticks` land exactly once: the ticks go through the real landing path
 * into a scratch bucket of their own, one record each, and the report SQL runs over them as the workflow runs it.
 * The reference a pipeline that met re-deliveries must equal. Returns each report's CSV by name.
 */
export async function referenceReports(ticks: readonly Tick[], day: string): Promise<Record<string, string>> {
  const data = 'reference-data';
  const results = 'reference-results';
  const s3 = await startLocalS3({
    storageDir: mkdtempSync(join(tmpdir(), 'reference-s3-')),
    buckets: [data, results],
    removeOnStop: true,
  });
  const duckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await duckdb.connect();
  try {
    await landBatch({
      batch: kafkaEvent(ticks.map((value, offset) => ({ partition: 0, offset, value }))),
      s3: s3.client,
      bucket: data,
    });
    const catalog: LocalCatalog = new Map();
    const database = 'reference';
    await createLocalCrawler({
      name: 'reference',
      database,
      table: 'stock_ticks',
      bucket: data,
      prefix: 'raw/stock_ticks/',
      s3: s3.client,
      storageDir: s3.storageDir,
      duckdb: connection,
      catalog,
    }).start();
    const athena = createLocalAthena({ duckdb: connection, catalog, s3: s3.client, resultsBucket: results });
    const context = { QueryExecutionContext: { Database: database } };
    await athena.startQueryExecutionSync({ QueryString: loadUniqueTicksView().sql, ...context });
    const csv: Record<string, string> = {};
    for (const report of loadReports()) {
      const { QueryExecution } = await athena.startQueryExecutionSync({
        QueryString: report.sql,
        ...context,
        ExecutionParameters: [`'${day}'`],
      });
      const key = QueryExecution.ResultConfiguration.OutputLocation.replace(`s3://${results}/`, '');
      const object = await s3.client.send(new GetObjectCommand({ Bucket: results, Key: key }));
      csv[report.name] = (await object.Body?.transformToString()) ?? '';
    }
    return csv;
  } finally {
    connection.closeSync();
    duckdb.closeSync();
    await s3.stop();
  }
}
