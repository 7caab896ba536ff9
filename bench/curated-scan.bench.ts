/**
 * Bytes a final day's reports scan: the seven reports over the raw view (gzipped NDJSON, every column of every
 * line) against the same reports over the curated Parquet table, for a full simulated day (20 symbols × 86,400
 * one-second ticks), in the local Trino (Athena engine 3's engine), landed by the production landing code in
 * 60-second batches. Prints one JSON line; BENCHMARKS.md records it. `npm run bench:scan`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_LAYOUT } from '../lib/land/plan';
import { landBatch } from '../lib/land/write';
import { simulateTicks } from '../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../lib/market/simulated/symbols';
import {
  CURATED_TICKS_TABLE,
  curatedDayInsert,
  curatedTableDdl,
  loadFinalReports,
  loadReports,
  loadUniqueTicksView,
} from '../lib/reports/catalog';
import { createLocalAthena } from '../local/athena';
import { loadLocalStackConfig } from '../local/config';
import { createLocalCrawler, sqlName } from '../local/glue-crawler';
import { CACHE_DIR } from '../local/kafka/jars';
import { LOCAL_REGION, startLocalS3 } from '../local/s3';
import { createTrinoClient } from '../local/trino/client';
import { createHiveCatalog } from '../local/trino/hive-catalog';
import { startTrino } from '../local/trino/server';
import { toEvent } from './landing-model';
import { MEASURED_SCAN_FILE } from './measured-scan';

const DAY = '2026-11-20';
const SYMBOLS = 20;
const WINDOW_SECONDS = 60;
const DATABASE = 'tickstream_bench';
const BUCKET = 'tickstream-bench-data';
const RESULTS = 'tickstream-bench-results';

async function main(): Promise<void> {
  const { externalTrino } = loadLocalStackConfig();
  const trino = externalTrino
    ? undefined
    : await startTrino({
        workDir: join(CACHE_DIR, 'trino-run', `bench-${process.pid}`),
        logFile: join(CACHE_DIR, 'trino-run', `bench-${process.pid}.log`),
        removeOnStop: true,
        heap: '4G',
      });
  const client = trino?.client ?? createTrinoClient({ url: externalTrino ?? '' });
  const s3 = await startLocalS3({
    storageDir: mkdtempSync(join(tmpdir(), 'tickstream-bench-scan-')),
    buckets: [BUCKET, RESULTS],
    removeOnStop: true,
  });
  const catalog = await createHiveCatalog({
    client,
    name: `bench_${process.pid}`,
    s3Endpoint: s3.endpoint,
    region: LOCAL_REGION,
    metastoreDir: join(CACHE_DIR, 'trino-run', `bench-metastore-${process.pid}`),
  });
  try {
    await client.query(`CREATE SCHEMA ${sqlName(DATABASE)}`, { catalog: catalog.name });
    const profiles = [...SYMBOL_PROFILES.values()].slice(0, SYMBOLS);
    const offsets = [0, 0, 0];
    let ticks = 0;
    let rawBytes = 0;
    let rawObjects = 0;
    const dayStart = Date.parse(`${DAY}T00:00:00Z`);
    // --hours N lands only the day's first N hours (a quicker look; the recorded figure is the full day).
    const hoursArgument = process.argv.indexOf('--hours');
    const hours = hoursArgument >= 0 ? Number(process.argv[hoursArgument + 1]) : 24;
    for (let start = dayStart; start < dayStart + hours * 3_600_000; start += WINDOW_SECONDS * 1000) {
      const window = simulateTicks({
        seed: 'bench',
        profiles,
        startMs: start,
        endMs: start + WINDOW_SECONDS * 1000,
        ticksPerSecond: 1,
      });
      ticks += window.length;
      const landed = await landBatch({ batch: toEvent(window, offsets), s3: s3.client, bucket: BUCKET });
      rawBytes += landed.bytes;
      rawObjects += landed.objects;
    }
    await createLocalCrawler({
      name: 'bench',
      database: DATABASE,
      table: 'stock_ticks',
      bucket: BUCKET,
      prefix: `${DEFAULT_LAYOUT.rawPrefix}/`,
      s3: s3.client,
      catalog,
    }).start();
    const athena = createLocalAthena({ catalog, s3: s3.client, resultsBucket: RESULTS });
    const run = (sql: string, day?: string) =>
      athena.startQueryExecutionSync({
        QueryString: sql,
        QueryExecutionContext: { Database: DATABASE },
        ...(day ? { ExecutionParameters: [`'${day}'`] } : {}),
      });
    await run(loadUniqueTicksView().sql);
    await client.query(curatedTableDdl(`s3://${BUCKET}/curated/stock_ticks`), {
      catalog: catalog.name,
      schema: DATABASE,
    });
    const insert = await run(curatedDayInsert(), DAY);

    const scanned = async (reports: { name: string; sql: string }[]) => {
      const perReport: Record<string, number> = {};
      for (const report of reports)
        perReport[report.name] = (await run(report.sql, DAY)).QueryExecution.Statistics.DataScannedInBytes;
      return perReport;
    };
    const raw = await scanned(loadReports());
    const curated = await scanned(loadFinalReports());
    const total = (bytes: Record<string, number>) => Object.values(bytes).reduce((sum, n) => sum + n, 0);
    const { rows } = await client.query(`SELECT count(*) FROM ${CURATED_TICKS_TABLE} WHERE dt = '${DAY}'`, {
      catalog: catalog.name,
      schema: DATABASE,
    });
    const summary = {
      measuredOn: new Date().toISOString().slice(0, 10),
      command: 'npm run bench:scan',
      day: DAY,
      symbols: SYMBOLS,
      ticks,
      curatedRows: Number(rows[0]?.[0]),
      rawObjects,
      rawBytes,
      insertScannedBytes: insert.QueryExecution.Statistics.DataScannedInBytes,
      rawReportsScannedBytes: total(raw),
      curatedReportsScannedBytes: total(curated),
      curatedToRaw: Number((total(curated) / total(raw)).toFixed(4)),
      finalDayScannedWithCurated: insert.QueryExecution.Statistics.DataScannedInBytes + total(curated),
      reports: Object.keys(raw).length,
      perReport: Object.fromEntries(
        Object.keys(raw).map((name) => [name, { raw: raw[name], curated: curated[name] }]),
      ),
    };
    // --save keeps the figures the cost model prices Athena from (npm run cost).
    if (process.argv.includes('--save') && hours === 24) {
      mkdirSync(dirname(MEASURED_SCAN_FILE), { recursive: true });
      writeFileSync(MEASURED_SCAN_FILE, `${JSON.stringify(summary, null, 2)}\n`);
    }
    console.log(JSON.stringify(summary));
  } finally {
    await catalog.drop();
    await s3.stop();
    await trino?.stop();
  }
}

main().catch((error: unknown) => {
  const causes = ((error as { cause?: { causes?: string[] } }).cause?.causes ?? []).join('; ');
  console.error(`bench:scan failed: ${(error as Error).message}${causes ? ` (caused by ${causes})` : ''}`);
  process.exit(1);
});
