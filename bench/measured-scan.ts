import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `npm run bench:scan -- --save` measured in the local Trino for a full simulated day. */
export interface MeasuredScan {
  ticks: number;
  reports: number;
  insertScannedBytes: number;
  rawReportsScannedBytes: number;
  curatedReportsScannedBytes: number;
}

/** Where the measurement is kept, committed: the cost model prices Athena from it. */
export const MEASURED_SCAN_FILE = join(__dirname, 'measured', 'curated-scan.json');

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
