import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A report: one Athena (Trino) query over `stock_ticks_unique` (each tick once, see {@link loadUniqueTicksView})
 * taking one parameter, the day ('YYYY-MM-DD').
 */
export interface Report {
  name: string;
  sql: string;
}

/** The folder of the report files: this one. */
export const REPORTS_DIRECTORY = __dirname;

/** Every report in `lib/reports/*.sql`, by name (the file name without `.sql`), sorted. */
export function loadReports(directory: string = REPORTS_DIRECTORY): Report[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => ({
      name: file.slice(0, -'.sql'.length),
      sql: readFileSync(join(directory, file), 'utf8').trim(),
    }));
}

/** The report of that name; an unknown name throws, listing the known ones. */
export function findReport(name: string, directory: string = REPORTS_DIRECTORY): Report {
  const reports = loadReports(directory);
  const report = reports.find((candidate) => candidate.name === name);
  if (!report)
    throw new RangeError(`unknown report ${name}; the reports are ${reports.map((r) => r.name).join(', ')}`);
  return report;
}

/** The view every report reads: the landed ticks, each (symbol, timestamp) once. */
export const UNIQUE_TICKS_VIEW = 'stock_ticks_unique';

/** A SQL text without the `--` comment lines and blank lines it starts with. */
export function withoutLeadingComments(sql: string): string {
  const lines = sql.split('\n');
  const first = lines.findIndex((line) => line.trim() !== '' && !line.trimStart().startsWith('--'));
  return first === -1 ? '' : lines.slice(first).join('\n').trim();
}

/**
 * The DDL that creates (or replaces) {@link UNIQUE_TICKS_VIEW}, from `lib/reports/views/`. Its explanatory comment
 * stays in the file: Athena's DDL parser fails on a statement that starts with a comment.
 */
export function loadUniqueTicksView(directory: string = REPORTS_DIRECTORY): Report {
  const file = join(directory, 'views', `${UNIQUE_TICKS_VIEW}.sql`);
  return { name: UNIQUE_TICKS_VIEW, sql: withoutLeadingComments(readFileSync(file, 'utf8')) };
}

/** The Hive types (Glue's catalog is Hive-typed) the project's tables use. */
export type HiveType = 'string' | 'double' | 'bigint' | 'int' | 'boolean';

/** A Hive type as Athena's DML (Trino) names it, for casts and Trino DDL. */
export const SQL_TYPE_OF_HIVE: Readonly<Record<HiveType, string>> = {
  string: 'varchar',
  double: 'double',
  bigint: 'bigint',
  int: 'integer',
  boolean: 'boolean',
};
