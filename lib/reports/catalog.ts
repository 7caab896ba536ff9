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

/**
 * The curated table: each finalized day's distinct ticks (the view's rows) as Parquet, partitioned by `dt`. A
 * final day's reports read it instead of the view: columnar, typed, and each tick already once.
 */
export const CURATED_TICKS_TABLE = 'stock_ticks_curated';

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

/** A curated column: its name (the view's) and its Hive type (as Glue records it). */
export interface CuratedColumn {
  name: string;
  type: Exclude<HiveType, 'boolean'>;
}

/**
 * The curated table's columns, in the view's order; `dt` is its partition key. The view's types are whatever
 * the crawler inferred (`int` for small whole numbers): the curated table fixes them, and the day's INSERT casts.
 */
export const CURATED_COLUMNS: readonly CuratedColumn[] = [
  { name: 'symbol', type: 'string' },
  { name: 'price', type: 'double' },
  { name: 'volume', type: 'bigint' },
  { name: 'timestamp', type: 'string' },
  { name: 'market_cap', type: 'double' },
  { name: 'pe_ratio', type: 'double' },
  { name: 'bid', type: 'double' },
  { name: 'ask', type: 'double' },
  { name: 'exchange', type: 'string' },
  { name: 'seq', type: 'bigint' },
  { name: 'kafka_topic', type: 'string' },
  { name: 'kafka_partition', type: 'int' },
  { name: 'kafka_offset', type: 'bigint' },
];

/**
 * The statement that writes a finalized day into the curated table: the view's rows of the day (`?`, an
 * execution parameter, as INSERT INTO takes one in Athena), cast to the table's types. INSERT INTO appends, so
 * the workflow first deletes the day's curated objects: a re-finalized day is replaced, never written twice.
 * Athena writes Parquet because the table says so; the INSERT registers the day's partition in Glue itself.
 */
export function curatedDayInsert(): string {
  const columns = CURATED_COLUMNS.map(
    (column) => `  CAST("${column.name}" AS ${SQL_TYPE_OF_HIVE[column.type]}) AS "${column.name}"`,
  );
  return [
    `INSERT INTO ${CURATED_TICKS_TABLE}`,
    'SELECT',
    `${[...columns, '  dt'].join(',\n')}`,
    `FROM ${UNIQUE_TICKS_VIEW}`,
    'WHERE dt = ?',
  ].join('\n');
}

/** The DDL of the curated table (Trino's dialect), as CloudFormation's AWS::Glue::Table defines it on AWS. */
export function curatedTableDdl(location: string): string {
  const columns = CURATED_COLUMNS.map((column) => `"${column.name}" ${SQL_TYPE_OF_HIVE[column.type]}`);
  return `CREATE TABLE ${CURATED_TICKS_TABLE} (${[...columns, 'dt varchar'].join(', ')}) WITH (format = 'PARQUET', partitioned_by = ARRAY['dt'], external_location = '${location.replaceAll("'", "''")}')`;
}

/**
 * The reports of a finalized day: every report's SQL with the view replaced by the curated table (same columns,
 * same names), so a final day's reports scan Parquet columns instead of every raw JSON line.
 */
export function loadFinalReports(directory: string = REPORTS_DIRECTORY): Report[] {
  const view = new RegExp(`\\b${UNIQUE_TICKS_VIEW}\\b`, 'g');
  return loadReports(directory).map((report) => ({
    name: report.name,
    sql: report.sql.replace(view, CURATED_TICKS_TABLE),
  }));
}
