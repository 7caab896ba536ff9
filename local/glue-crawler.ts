import { dirname, join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TickstreamError } from '../lib/shared/errors';

/**
 * One table of the local Glue catalog: its columns, Hive partition keys and each partition's location (the folder
 * of its objects, which a query lists when it runs, as Athena lists S3) and the files the crawl saw there.
 */
export interface LocalTable {
  database: string;
  name: string;
  columns: { name: string; type: string }[];
  partitionKeys: string[];
  partitions: { values: Record<string, string>; location: string; files: string[]; bytes: number }[];
}

/** The local Glue Data Catalog: tables by `database.table`. */
export type LocalCatalog = Map<string, LocalTable>;

/** An error with the name Step Functions gives an AWS SDK service exception, so `Catch` rules match it. */
export class ServiceError extends TickstreamError {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const GLUE_TYPES: Record<string, string> = {
  VARCHAR: 'string',
  DOUBLE: 'double',
  BIGINT: 'bigint',
  BOOLEAN: 'boolean',
};

/** Maps DuckDB's inferred type to the Glue type a crawler records for JSON. */
export function glueType(duckdbType: string): string {
  return GLUE_TYPES[duckdbType] ?? (duckdbType.startsWith('DECIMAL') ? 'double' : 'string');
}

/** Where the local S3 endpoint keeps an object's bytes (fauxqs file storage). */
export function objectPath(params: { storageDir: string; bucket: string; key: string }): string {
  return join(params.storageDir, 'buckets', params.bucket, 'objects', `${params.key}.data`);
}

/** A SQL string literal. */
export const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * A stand-in for the Glue crawler behind the same calls (StartCrawler, GetCrawler): it lists the bucket through
 * the S3 API, infers the table's columns from the objects with DuckDB, takes `key=value` folders as partitions,
 * and records the table in the local catalog.
 */
export function createLocalCrawler(params: {
  name: string;
  database: string;
  table: string;
  bucket: string;
  prefix: string;
  s3: S3Client;
  storageDir: string;
  duckdb: DuckDBConnection;
  catalog: LocalCatalog;
}) {
  let state: 'READY' | 'RUNNING' = 'READY';
  let lastCrawl: { Status: 'SUCCEEDED' | 'FAILED'; ErrorMessage?: string; StartTime: string } | undefined;

  const crawl = async (): Promise<void> => {
    const partitions = new Map<string, LocalTable['partitions'][number]>();
    let token: string | undefined;
    do {
      const page = await params.s3.send(
        new ListObjectsV2Command({ Bucket: params.bucket, Prefix: params.prefix, ContinuationToken: token }),
      );
      for (const entry of page.Contents ?? []) {
        if (!entry.Key) continue;
        const folders = entry.Key.slice(params.prefix.length).split('/').slice(0, -1);
        const values = Object.fromEntries(
          folders.filter((f) => f.includes('=')).map((f) => f.split('=', 2) as [string, string]),
        );
        const id = JSON.stringify(values);
        const file = objectPath({ storageDir: params.storageDir, bucket: params.bucket, key: entry.Key });
        const partition = partitions.get(id) ?? { values, location: dirname(file), files: [], bytes: 0 };
        partition.files.push(file);
        partition.bytes += entry.Size ?? 0;
        partitions.set(id, partition);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);

    const all = [...partitions.values()];
    const files = all.flatMap((partition) => partition.files);
    const partitionKeys = Object.keys(all[0]?.values ?? {});
    const existing = params.catalog.get(`${params.database}.${params.table}`);
    let columns = existing?.columns ?? [];
    if (files.length > 0) {
      const described = await params.duckdb.runAndReadAll(
        `DESCRIBE SELECT * FROM read_json([${files.map(sqlString).join(',')}], format='newline_delimited', compression='gzip')`,
      );
      columns = described
        .getRowObjects()
        .map((row) => ({ name: String(row.column_name), type: glueType(String(row.column_type)) }))
        .filter((column) => !partitionKeys.includes(column.name));
    }
    params.catalog.set(`${params.database}.${params.table}`, {
      database: params.database,
      name: params.table,
      columns,
      partitionKeys,
      partitions: all,
    });
  };

  return {
    /** glue:StartCrawler; throws Glue.CrawlerRunningException while a crawl runs, as Glue does. */
    async start(): Promise<Record<string, never>> {
      if (state === 'RUNNING')
        throw new ServiceError(
          'Glue.CrawlerRunningException',
          `Crawler with name ${params.name} has already started`,
        );
      state = 'RUNNING';
      const startTime = new Date().toISOString();
      try {
        await crawl();
        lastCrawl = { Status: 'SUCCEEDED', StartTime: startTime };
      } catch (error) {
        lastCrawl = { Status: 'FAILED', ErrorMessage: (error as Error).message, StartTime: startTime };
      } finally {
        state = 'READY';
      }
      return {};
    },
    /** glue:GetCrawler. */
    async get() {
      return { Crawler: { Name: params.name, State: state, ...(lastCrawl ? { LastCrawl: lastCrawl } : {}) } };
    },
  };
}

/**
 * glue:GetPartition over the local catalog: the partition whose values are `PartitionValues` (in the table's
 * partition key order); throws Glue.EntityNotFoundException, as Glue does, when the table or partition is not
 * there.
 */
/** GetTable on the local catalog: the table, or Glue's EntityNotFoundException. */
export function getLocalTable(catalog: LocalCatalog, input: { DatabaseName: string; Name: string }) {
  const table = catalog.get(`${input.DatabaseName}.${input.Name}`);
  if (!table) throw new ServiceError('Glue.EntityNotFoundException', `Table ${input.Name} not found.`);
  return { Table: { DatabaseName: input.DatabaseName, Name: input.Name } };
}

export function getLocalPartition(
  catalog: LocalCatalog,
  input: { DatabaseName: string; TableName: string; PartitionValues: string[] },
) {
  const table = catalog.get(`${input.DatabaseName}.${input.TableName}`);
  if (!table) throw new ServiceError('Glue.EntityNotFoundException', `Table ${input.TableName} not found.`);
  const partition = table.partitions.find((candidate) =>
    table.partitionKeys.every((key, index) => candidate.values[key] === input.PartitionValues[index]),
  );
  if (!partition)
    throw new ServiceError(
      'Glue.EntityNotFoundException',
      `Cannot find partition ${input.PartitionValues.join('/')}.`,
    );
  return {
    Partition: {
      DatabaseName: input.DatabaseName,
      TableName: input.TableName,
      Values: input.PartitionValues,
    },
  };
}
