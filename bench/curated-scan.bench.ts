/**
 * Bytes a final day's reports scan: the seven reports over the raw view (gzipped NDJSON, every column of every
 * line) against the same reports over the curated Parquet table, for a full simulated day (20 symbols × 86,400
 * one-second ticks), in the local Trino (Athena engine 3's engine), landed by the production landing code in
 * 60-second batches. Prints one JSON line; BENCHMARKS.md records it. `npm run bench:scan` (`-- --save` keeps the
 * figures `npm run cost` prices Athena from; `-- --hours N` lands only the first N hours, for a quicker look).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { landBatch } from '../lib/land/write';
import { simulateTicks } from '../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../lib/market/simulated/symbols';
import {
  CURATED_TICKS_TABLE,
  curatedDayInsert,
  curatedTableDdl,
  loadFinalReports,
  loadReports,
} from '../lib/reports/catalog';
import { parseCsv } from '../lib/reports/csv';
import { withScratchCatalog } from '../local/stack/scratch-catalog';
import { toEvent } from './landing-model';
import { MEASURED_SCAN_FILE } from './measured-scan';

const DAY = '2026-11-20';
const SYMBOLS = 20;
const WINDOW_SECONDS = 60;
const BUCKET = 'tickstream-bench-data';

async function main(): Promise<void> {
  const hoursArgument = process.argv.indexOf('--hours');
  const hours = hoursArgument >= 0 ? Number(process.argv[hoursArgument + 1]) : 24;
  const landed = { ticks: 0, bytes: 0, objects: 0 };
  const summary = await withScratchCatalog(
    {
      bucket: BUCKET,
      fill: async (s3) => {
        const profiles = [...SYMBOL_PROFILES.values()].slice(0, SYMBOLS);
        const offsets = [0, 0, 0];
        const dayStart = Date.parse(`${DAY}T00:00:00Z`);
        for (let start = dayStart; start < dayStart + hours * 3_600_000; start += WINDOW_SECONDS * 1000) {
          const window = simulateTicks({
            seed: 'bench',
            profiles,
            startMs: start,
            endMs: start + WINDOW_SECONDS * 1000,
            ticksPerSecond: 1,
          });
          const written = await landBatch({ batch: toEvent(window, offsets), s3, bucket: BUCKET });
          landed.ticks += window.length;
          landed.bytes += written.bytes;
          landed.objects += written.objects;
        }
      },
    },
    async (query) => {
      await query(curatedTableDdl(`s3://${BUCKET}/curated/stock_ticks`));
      const insert = await query(curatedDayInsert(), DAY);
      const scanned = async (reports: { name: string; sql: string }[]) => {
        const perReport: Record<string, number> = {};
        for (const report of reports) perReport[report.name] = (await query(report.sql, DAY)).bytesScanned;
        return perReport;
      };
      const raw = await scanned(loadReports());
      const curated = await scanned(loadFinalReports());
      const total = (bytes: Record<string, number>) => Object.values(bytes).reduce((sum, n) => sum + n, 0);
      const [, [curatedRows = '0'] = []] = parseCsv(
        (await query(`SELECT count(*) FROM ${CURATED_TICKS_TABLE} WHERE dt = ?`, DAY)).csv,
      );
      return {
        measuredOn: new Date().toISOString().slice(0, 10),
        command: 'npm run bench:scan',
        day: DAY,
        symbols: SYMBOLS,
        ticks: landed.ticks,
        curatedRows: Number(curatedRows),
        rawObjects: landed.objects,
        rawBytes: landed.bytes,
        insertScannedBytes: insert.bytesScanned,
        rawReportsScannedBytes: total(raw),
        curatedReportsScannedBytes: total(curated),
        curatedToRaw: Number((total(curated) / total(raw)).toFixed(4)),
        finalDayScannedWithCurated: insert.bytesScanned + total(curated),
        reports: Object.keys(raw).length,
        perReport: Object.fromEntries(
          Object.keys(raw).map((name) => [name, { raw: raw[name], curated: curated[name] }]),
        ),
      };
    },
  );
  // --save keeps the figures the cost model prices Athena from (npm run cost): a full day's only.
  if (process.argv.includes('--save') && hours === 24) {
    mkdirSync(dirname(MEASURED_SCAN_FILE), { recursive: true });
    writeFileSync(MEASURED_SCAN_FILE, `${JSON.stringify(summary, null, 2)}\n`);
  }
  console.log(JSON.stringify(summary));
}

main().catch((error: unknown) => {
  const causes = ((error as { cause?: { causes?: string[] } }).cause?.causes ?? []).join('; ');
  console.error(`bench:scan failed: ${(error as Error).message}${causes ? ` (caused by ${causes})` : ''}`);
  process.exit(1);
});
