import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DuckDBConnection } from '@duckdb/node-api';
import { toCsv } from '../lib/reports/csv';
import { type LocalCatalog, ServiceError, sqlString } from './glue-crawler';

/**
 * Trino (Athena engine 3) functions DuckDB names differently, as DuckDB macros: the report SQL runs unedited.
 * Functions both share (min_by, max_by, lag, ln, stddev_samp, date_trunc, …) need none.
 */
export const TRINO_SHIMS = [
  'CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
  'CREATE OR REPLACE MACRO approx_percentile(x, p) AS approx_quantile(x, p)',
  'CREATE OR REPLACE MACRO approx_distinct(x) AS approx_count_distinct(x)',
  'CREATE OR REPLACE MACRO to_unixtime(t) AS epoch(t)',
  'CREATE OR REPLACE MACRO from_unixtime(x) AS to_timestamp(x)',
  'CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  'CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)',
  'CREATE OR REPLACE MACRO day_of_week(t) AS isodow(t)',
];

const DUCKDB_TYPES: Record<string, string> = {
  string: 'VARCHAR',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
};

/** The object files of a local partition folder (fauxqs keeps each object as `<key>.data`). */
function objectsIn(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.data'))
    .sort()
    .map((name) => join(folder, name));
}

/** Turns Athena execution parameters (SQL literals: `'2026-11-20'`, `42`) into values to bind. */
export function parameterValues(parameters: readonly string[] | undefined): (string | number)[] {
  return (parameters ?? []).map((literal) => {
    const quoted = /^'(.*)'$/s.exec(literal);
    if (quoted) return (quoted[1] ?? '').replaceAll("''", "'");
    const number = Number(literal);
    if (Number.isNaN(number))
      throw new ServiceError('States.TaskFailed', `execution parameter ${literal} is not a literal`);
    return number;
  });
}

function jsonValue(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * A stand-in for `athena:startQueryExecution.sync` over the local catalog: the query runs in DuckDB on the
 * catalogued files, and its CSV result is written where Athena would (`s3://<results>/athena/<id>.csv`).
 */
export function createLocalAthena(params: {
  duckdb: DuckDBConnection;
  catalog: LocalCatalog;
  s3: S3Client;
  resultsBucket: string;
  resultsPrefix?: string;
}) {
  const { duckdb, catalog, s3, resultsBucket, resultsPrefix = 'athena/' } = params;
  let prepared = false;

  const defineTables = async (database: string) => {
    if (!prepared) {
      await duckdb.run("SET TimeZone='UTC'");
      await duckdb.run('SET integer_division=true');
      for (const shim of TRINO_SHIMS) await duckdb.run(shim);
      prepared = true;
    }
    for (const table of catalog.values()) {
      if (table.database !== database) continue;
      // Every object in a catalogued partition's folder now, as Athena lists S3 at query time: objects added
      // since the crawl count without another crawl.
      const files = table.partitions.flatMap((partition) => objectsIn(partition.location));
      const columns = table.columns.map(
        (column) => `${sqlString(column.name)}: ${sqlString(DUCKDB_TYPES[column.type] ?? 'VARCHAR')}`,
      );
      const hiveTypes = table.partitionKeys.map((key) => `${sqlString(key)}: 'VARCHAR'`);
      const source =
        files.length === 0
          ? `SELECT ${[...table.columns.map((c) => `CAST(NULL AS ${DUCKDB_TYPES[c.type] ?? 'VARCHAR'}) AS "${c.name}"`), ...table.partitionKeys.map((k) => `CAST(NULL AS VARCHAR) AS "${k}"`)].join(', ')} WHERE false`
          : `SELECT * FROM read_json([${files.map(sqlString).join(',')}], format='newline_delimited', compression='gzip', columns={${columns.join(', ')}}, hive_partitioning=true, hive_types={${hiveTypes.join(', ')}})`;
      await duckdb.run(`CREATE OR REPLACE VIEW "${table.name}" AS ${source}`);
    }
  };

  return {
    /** Runs a query to completion and returns what GetQueryExecution would; a failed query throws. */
    async startQueryExecutionSync(input: {
      QueryString: string;
      WorkGroup?: string;
      QueryExecutionContext?: { Database?: string };
      ExecutionParameters?: string[];
    }) {
      const database = input.QueryExecutionContext?.Database ?? 'default';
      const id = randomUUID();
      await defineTables(database);
      const values = parameterValues(input.ExecutionParameters);
      let header: string[];
      let rows: unknown[][];
      try {
        const reader = await duckdb.runAndReadAll(input.QueryString, values);
        header = reader.columnNames();
        rows = reader.getRows().map((row) => row.map(jsonValue));
      } catch (error) {
        throw new ServiceError('States.TaskFailed', `query ${id} failed: ${(error as Error).message}`);
      }
      const key = `${resultsPrefix}${id}.csv`;
      await s3.send(
        new PutObjectCommand({
          Bucket: resultsBucket,
          Key: key,
          Body: toCsv([header, ...rows]),
          ContentType: 'text/csv',
        }),
      );
      // What Athena would have read: the files of the partitions the day parameter selects.
      const day = values.find((value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value));
      const scanned = [...catalog.values()]
        .filter((table) => table.database === database)
        .flatMap((table) => table.partitions)
        .filter((partition) => day === undefined || partition.values.dt === day)
        .flatMap((partition) => objectsIn(partition.location))
        .reduce((sum, file) => sum + statSync(file).size, 0);
      return {
        QueryExecution: {
          QueryExecutionId: id,
          Query: input.QueryString,
          WorkGroup: input.WorkGroup,
          Status: { State: 'SUCCEEDED' },
          ResultConfiguration: { OutputLocation: `s3://${resultsBucket}/${key}` },
          Statistics: { DataScannedInBytes: scanned },
        },
      };
    },
  };
}
