import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One reports run's bytes scanned: its move's INSERT, a final day's compaction, and each report. */
export interface MeasuredRun {
  /** The run at five past this hour of the day (24: the 00:05 run that finalizes it). */
  hour: number;
  move: number;
  compaction: number;
  reports: number[];
}

/** What `npm run bench:scan -- --save` measured in the local Trino for a full simulated day. */
export interface MeasuredScan {
  measuredOn: string;
  command: string;
  day: string;
  symbols: number;
  ticks: number;
  viewRows: number;
  rawBytes: number;
  /** The compacted day's Parquet files, in bytes. */
  columnarBytes: number;
  reports: number;
  /** The layout before the columnar table: every run reads the day so far from the landed JSON. */
  before: MeasuredRun[];
  /** The columnar table: every run moves what landed, then reads columnar parts and what has not moved. */
  after: MeasuredRun[];
  hour23RunToBefore: number;
  dayToBefore: number;
  finalReportsToRaw: number;
  oldFinalReportsToRaw: number;
}

/** Where the measurement is kept, committed: the cost model prices Athena from it. */
export const MEASURED_SCAN_FILE = join(__dirname, 'measured', 'columnar-scan.json');

/** The kept measurement; a missing one fails, saying how to make it. */
export function readMeasuredScan(): MeasuredScan {
  try {
    return JSON.parse(readFileSync(MEASURED_SCAN_FILE, 'utf8')) as MeasuredScan;
  } catch (error) {
    throw new Error(`${MEASURED_SCAN_FILE} is missing or unreadable: run npm run bench:scan -- --save`, {
      cause: error,
    });
  }
}
