/**
 * Bytes the reports workflow scans over a full simulated day (20 symbols × 86,400 one-second ticks, landed by the
 * production landing code in 60-second batches), in the local Trino (Athena engine 3's engine), two ways:
 *
 * - before: every hourly run reads the day so far from the landed JSON (7 reports), and the final run INSERTs the
 *   day into a dt-only Parquet table and reports from it (the layout before the columnar table);
 * - after: every hourly run moves what landed into a new columnar part (moveTicks' own steps: plan, INSERT,
 *   archive), then runs the 7 reports over the view; the final run also compacts the day into one part.
 *
 * Prints one JSON line; BENCHMARKS.md records it. `npm run bench:scan` (`-- --save` keeps the figures `npm run
 * cost` prices Athena from; `-- --hours N` lands and runs only the first N hours, for a quicker look).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { landBatch } from '../lib/land/write';
import { simulateTicks } from '../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../lib/market/simulated/symbols';
import { loadReports, UNIQUE_TICKS_VIEW } from '../lib/reports/catalog';
import {
  archiveMove,
  DEFAULT_MOVE_LAYOUT,
  deleteDue,
  dropOlderParts,
  planCompaction,
  planMove,
} from '../lib/reports/move';
import { withScratchCatalog } from '../local/stack/scratch-catalog';
import { MemoryBucket, toEvent } from './landing-model';
import { MEASURED_SCAN_FILE, type MeasuredScan } from './measured-scan';

const DAY = '2026-11-20';
const SYMBOLS = 20;
const WINDOW_SECONDS = 60;
const BUCKET = 'tickstream-bench-data';
const LAYOUT = DEFAULT_MOVE_LAYOUT;

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

async function main(): Promise<void> {
  const hoursArgument = process.argv.indexOf('--hours');
  const hours = hoursArgument >= 0 ? Number(process.argv[hoursArgument + 1]) : 24;
  const profiles = [...SYMBOL_PROFILES.values()].slice(0, SYMBOLS);
  const dayStart = Date.parse(`${DAY}T00:00:00Z`);
  // Each hour's landed objects, made once in memory: the bench lands an hour before each run.
  const offsets = [0, 0, 0];
  const hourly: MemoryBucket[] = [];
  let ticks = 0;
  for (let hour = 0; hour < hours; hour++) {
    const bucket = new MemoryBucket();
    for (
      let start = dayStart + hour * 3_600_000;
      start < dayStart + (hour + 1) * 3_600_000;
      start += 60_000
    ) {
      const window = simulateTicks({
        seed: 'bench',
        profiles,
        startMs: start,
        endMs: start + WINDOW_SECONDS * 1000,
        ticksPerSecond: 1,
      });
      await landBatch({ batch: toEvent(window, offsets), s3: bucket, bucket: BUCKET });
      ticks += window.length;
    }
    hourly.push(bucket);
  }
  const rawBytesByHour = hourly.map((bucket) => bucket.bytes);
  const reports = loadReports();

  const summary = await withScratchCatalog(
    {
      bucket: BUCKET,
      // The first hour lands before the crawl (the workflow crawls a day's first folder); later hours need none.
      fill: async (s3) => {
        for (const [key, body] of (hourly[0] as MemoryBucket).objects)
          await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      },
    },
    async (query, context) => {
      const { s3, glue, database } = context;
      const put = async (bucket: MemoryBucket) => {
        for (const [key, body] of bucket.objects)
          await s3.send(
            new (await import('@aws-sdk/client-s3')).PutObjectCommand({
              Bucket: BUCKET,
              Key: key,
              Body: body,
            }),
          );
      };
      const reportBytes = async () => {
        const bytes: number[] = [];
        for (const report of reports) bytes.push((await query(report.sql, DAY)).bytesScanned);
        return bytes;
      };
      const after: { hour: number; move: number; compaction: number; reports: number[] }[] = [];
      for (let hour = 0; hour < hours; hour++) {
        await put(hourly[hour] as MemoryBucket);
        // The crawler stand-in registered the day's partition at the start; later objects need no crawl.
        const runAt = new Date(dayStart + (hour + 1) * 3_600_000 + 5 * 60_000);
        const plan = await planMove({ s3, bucket: BUCKET, layout: LAYOUT, day: DAY, now: runAt });
        const move = plan.objects > 0 ? (await query(plan.insert)).bytesScanned : 0;
        if (plan.objects > 0)
          await archiveMove({ s3, bucket: BUCKET, layout: LAYOUT, manifest: plan.manifest, now: runAt });
        let compaction = 0;
        if (hour === 23) {
          const compact = planCompaction(DAY, new Date(runAt.getTime() + 1));
          compaction = (await query(compact.insert)).bytesScanned;
          await dropOlderParts({
            glue,
            s3,
            bucket: BUCKET,
            layout: LAYOUT,
            database,
            day: DAY,
            keep: compact.part,
            now: runAt,
          });
        }
        after.push({ hour: hour + 1, move, compaction, reports: await reportBytes() });
      }
      // Before: the landed JSON is read whole by every report (a JSON file has no columns to skip); the final run
      // INSERTed the day into a dt-only Parquet table and reported from it. That table is rebuilt here from the
      // columnar day, as the old INSERT wrote it, and the same reports run over it.
      await query(
        `CREATE TABLE stock_ticks_curated WITH (format = 'PARQUET', partitioned_by = ARRAY['dt'], external_location = 's3://${BUCKET}/curated/stock_ticks') AS SELECT symbol, CAST(price AS double) AS price, volume, "timestamp", market_cap, pe_ratio, CAST(bid AS double) AS bid, CAST(ask AS double) AS ask, exchange, seq, kafka_topic, kafka_partition, kafka_offset, dt FROM ${UNIQUE_TICKS_VIEW} WHERE dt = '${DAY}'`,
      );
      const oldFinal: number[] = [];
      for (const report of reports)
        oldFinal.push(
          (await query(report.sql.replaceAll(UNIQUE_TICKS_VIEW, 'stock_ticks_curated'), DAY)).bytesScanned,
        );
      const [, [rows = '0'] = []] = (
        await query(`SELECT count(*) FROM ${UNIQUE_TICKS_VIEW} WHERE dt = ?`, DAY)
      ).csv
        .trim()
        .split('\n')
        .map((line) => line.split(','));
      // The grace period over: the moved objects and the replaced parts' files go, as the next run deletes them,
      // and what stays under columnar/ is the compacted day.
      await deleteDue({ s3, bucket: BUCKET, layout: LAYOUT, now: new Date(dayStart + 26 * 3_600_000) });
      let columnarBytes = 0;
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'columnar/', ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) columnarBytes += object.Size ?? 0;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return { after, oldFinal, rows: Number(rows.replaceAll('"', '')), columnarBytes };
    },
  );

  const rawDay = sum(rawBytesByHour);
  const before = rawBytesByHour.map((_, hour) => ({
    hour: hour + 1,
    move: 0,
    compaction: 0,
    reports: reports.map(() => sum(rawBytesByHour.slice(0, hour + 1))),
  }));
  if (hours === 24) {
    const final = before[23] as (typeof before)[number];
    final.move = rawDay;
    final.reports = summary.oldFinal;
  }
  const runBytes = (run: { move: number; compaction: number; reports: number[] }) =>
    run.move + run.compaction + sum(run.reports);
  const lastPartial = Math.min(hours, 23) - 1;
  const result: MeasuredScan = {
    measuredOn: new Date().toISOString().slice(0, 10),
    command: 'npm run bench:scan',
    day: DAY,
    symbols: SYMBOLS,
    ticks,
    viewRows: summary.rows,
    rawBytes: rawDay,
    columnarBytes: summary.columnarBytes,
    reports: reports.length,
    before,
    after: summary.after,
    hour23RunToBefore: Number(
      (
        runBytes(summary.after[lastPartial] as (typeof before)[number]) /
        runBytes(before[lastPartial] as (typeof before)[number])
      ).toFixed(4),
    ),
    dayToBefore: Number((sum(summary.after.map(runBytes)) / sum(before.map(runBytes))).toFixed(4)),
    finalReportsToRaw:
      hours === 24
        ? Number((sum(summary.after[23]?.reports ?? []) / (reports.length * rawDay)).toFixed(4))
        : 0,
    oldFinalReportsToRaw:
      hours === 24 ? Number((sum(summary.oldFinal) / (reports.length * rawDay)).toFixed(4)) : 0,
  };
  // --save keeps the figures the cost model prices Athena from (npm run cost): a full day's only.
  if (process.argv.includes('--save') && hours === 24) {
    mkdirSync(dirname(MEASURED_SCAN_FILE), { recursive: true });
    writeFileSync(MEASURED_SCAN_FILE, `${JSON.stringify(result, null, 2)}\n`);
  }
  const { before: _, after: __, ...headline } = result;
  console.log(JSON.stringify(headline));
}

main().catch((error: unknown) => {
  const causes = ((error as { cause?: { causes?: string[] } }).cause?.causes ?? []).join('; ');
  console.error(`bench:scan failed: ${(error as Error).message}${causes ? ` (caused by ${causes})` : ''}`);
  process.exit(1);
});
