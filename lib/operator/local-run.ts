import type { Report } from '../reports/catalog';

/** What `npm run pipeline` writes to `run.json` (the fields the CLI reads). */
export interface LastRunSummary {
  produced: number;
  landed: number;
  duplicated: number;
  quarantined: number;
  bucket: string;
  /** The minutes the produced ticks describe (null when nothing was produced). */
  window: { start: string; end: string } | null;
  /** Each reported day, final or partial, in order. */
  days: Record<string, 'final' | 'partial'>;
  /** Rows per report, per day. */
  reports: Record<string, Record<string, number>>;
  dashboard: string;
  results: string;
  /** The folder of the landed ticks: `<dir>/s3/<data bucket>/<raw prefix>`. */
  data: string;
  log: string;
}

/**
 * The last local run, for the CLI's `--local` options. The operator CLI is given one by whoever runs it from a
 * checkout (bin/tickstream.js), so that operating a deployed stage never loads the local development stack.
 */
export interface LocalRuns {
  /** The summary of the last run; throws, saying how to make one, when there is none. */
  read(): LastRunSummary;
  /** Runs a report's SQL over the ticks the last run landed; the rows, header first. */
  query(params: { report: Report; day: string }): Promise<{ rows: string[][]; bytesScanned: number }>;
}
