import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A report: one Athena (Trino) query over `stock_ticks` taking one parameter, the day ('YYYY-MM-DD'). */
export interface Report {
  name: string;
  sql: string;
}

/** Every report in `lib/reports/*.sql`, by name (the file name without `.sql`), sorted. */
export function loadReports(directory = __dirname): Report[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => ({
      name: file.slice(0, -'.sql'.length),
      sql: readFileSync(join(directory, file), 'utf8').trim(),
    }));
}
