import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type HiveType, SQL_TYPE_OF_HIVE } from '../../lib/reports/catalog';
import { TickstreamError } from '../../lib/shared/errors';
import type { LocalHiveCatalog } from '../services/trino/hive-catalog';
import { sqlName, sqlString } from '../services/trino/sql';

/** An error with the name Step Functions gives an AWS SDK service exception, so `Catch` rules match it. */
export class ServiceError extends TickstreamError {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/**
 * The Glue types a crawler records for JSON values (Glue is Hive-typed): whole numbers are `int` while they fit
 * 32 bits and `bigint` beyond (the Glue guide's grouping example types `{"A": 1}` as `A:int`), other numbers
 * `double`, text `string`, `true`/`false` `boolean`. A column seen with several types takes the wider number
 * type, or `string`; a column seen only as null is `string`.
 */
export type GlueType = HiveType;

const NUMBER_WIDTH: Partial<Record<GlueType, number>> = { int: 0, bigint: 1, double: 2 };

/** The Glue type of one JSON value, or undefined for null (no evidence). */
export function glueTypeOf(value: unknown): GlueType | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'double';
    return Math.abs(value) <= 2_147_483_647 ? 'int' : 'bigint';
  }
  return 'string';
}

/** The type a crawler records for a column seen as `a` in one record and `b` in another. */
export function widerGlueType(a: GlueType | undefined, b: GlueType | undefined): GlueType | undefined {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  const widthA = NUMBER_WIDTH[a];
  const widthB = NUMBER_WIDTH[b];
  if (widthA !== undefined && widthB !== undefined) return widthA >= widthB ? a : b;
  return 'string';
}

/** How much of each object a crawler reads to infer its schema: the first megabyte of a JSON file. */
export const CRAWLER_SAMPLE_BYTES = 1024 * 1024;

/**
 * The columns a crawler infers from gzipped NDJSON objects, in the order they first appear, from the first
 * {@link CRAWLER_SAMPLE_BYTES} of each (AWS knowledge center, "How does the AWS Glue crawler detect the schema?").
 * Partition keys are left out: they come from the folders.
 */
export function inferColumns(objects: Iterable<Buffer>, partitionKeys: readonly string[]) {
  const types = new Map<string, GlueType | undefined>();
  for (const gzipped of objects) {
    const text = gunzipSync(gzipped).subarray(0, CRAWLER_SAMPLE_BYTES).toString('utf8');
    const lines = text.split('\n');
    // A line cut by the sample's end is not a record.
    if (text.length === CRAWLER_SAMPLE_BYTES) lines.pop();
    for (const line of lines) {
      if (line.trim() === '') continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) continue;
      for (const [key, value] of Object.entries(record)) {
        const name = key.toLowerCase();
        if (partitionKeys.includes(name)) continue;
        types.set(name, widerGlueType(types.get(name), glueTypeOf(value)));
      }
    }
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? ('string' as GlueType) }));
}

/**
 * A stand-in for the Glue crawler behind the same calls (StartCrawler, GetCrawler). It lists the bucket through
 * the S3 API and takes `key=value` folders as partitions; the first crawl infers the columns as a crawler does and
 * creates the table in the local Trino's Hive metastore (an external table over `s3://bucket/prefix`, OpenX JSON
 * SerDe, partitioned by the folders' keys). Every crawl then registers the partition folders that are new
 * (CRAWL_NEW_FOLDERS_ONLY); the table's columns are never changed by a crawl (SchemaChangePolicy LOG).
 */
export function createLocalCrawler(params: {
  name: string;
  database: string;
  table: string;
  bucket: string;
  prefix: string;
  s3: S3Client;
  catalog: LocalHiveCatalog;
}) {
  let state: 'READY' | 'RUNNING' = 'READY';
  let lastCrawl: { Status: 'SUCCEEDED' | 'FAILED'; ErrorMessage?: string; StartTime: string } | undefined;
  const { catalog } = params;
  const session = { catalog: catalog.name, schema: params.database };

  const crawl = async (): Promise<void> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await params.s3.send(
        new ListObjectsV2Command({ Bucket: params.bucket, Prefix: params.prefix, ContinuationToken: token }),
      );
      for (const entry of page.Contents ?? []) if (entry.Key) keys.push(entry.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // The crawler's exclusion pattern `**/_*` (serverless.yml) skips underscore files, such as quarantine notes.
    const dataKeys = keys.filter((key) => !key.split('/').some((part) => part.startsWith('_')));
    if (dataKeys.length === 0) return;
    const partitionKeys = (dataKeys[0] ?? '')
      .slice(params.prefix.length)
      .split('/')
      .slice(0, -1)
      .filter((folder) => folder.includes('='))
      .map((folder) => folder.split('=', 1)[0] ?? '');

    if (!(await tableExists(catalog, params.database, params.table))) {
      const bodies: Buffer[] = [];
      for (const key of dataKeys) {
        const object = await params.s3.send(new GetObjectCommand({ Bucket: params.bucket, Key: key }));
        bodies.push(Buffer.from((await object.Body?.transformToByteArray()) ?? []));
      }
      const columns = inferColumns(bodies, partitionKeys);
      const definition = [
        ...columns.map((column) => `${sqlName(column.name)} ${SQL_TYPE_OF_HIVE[column.type]}`),
        ...partitionKeys.map((key) => `${sqlName(key)} varchar`),
      ];
      await catalog.client.query(
        `CREATE TABLE ${sqlName(params.table)} (${definition.join(', ')}) WITH (format = 'OPENX_JSON', external_location = ${sqlString(`s3://${params.bucket}/${params.prefix.replace(/\/$/, '')}`)}${partitionKeys.length > 0 ? `, partitioned_by = ARRAY[${partitionKeys.map(sqlString).join(', ')}]` : ''})`,
        session,
      );
    }
    await catalog.client.query(
      `CALL system.sync_partition_metadata(${sqlString(params.database)}, ${sqlString(params.table)}, 'ADD')`,
      session,
    );
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

async function tableExists(catalog: LocalHiveCatalog, database: string, table: string): Promise<boolean> {
  const { rows } = await catalog.client.query(
    `SELECT count(*) FROM information_schema.tables WHERE table_schema = ${sqlString(database)} AND table_name = ${sqlString(table)}`,
    { catalog: catalog.name },
  );
  return Number(rows[0]?.[0]) > 0;
}

/** glue:GetTable on the local catalog: the table, or Glue's EntityNotFoundException. */
export async function getLocalTable(
  catalog: LocalHiveCatalog,
  input: { DatabaseName: string; Name: string },
) {
  if (!(await tableExists(catalog, input.DatabaseName, input.Name)))
    throw new ServiceError('Glue.EntityNotFoundException', `Table ${input.Name} not found.`);
  return { Table: { DatabaseName: input.DatabaseName, Name: input.Name } };
}

/**
 * glue:GetPartition on the local catalog: the partition whose values are `PartitionValues` (in the table's
 * partition key order); throws Glue.EntityNotFoundException, as Glue does, when the table or partition is not there.
 */
export async function getLocalPartition(
  catalog: LocalHiveCatalog,
  input: { DatabaseName: string; TableName: string; PartitionValues: string[] },
) {
  if (!(await tableExists(catalog, input.DatabaseName, input.TableName)))
    throw new ServiceError('Glue.EntityNotFoundException', `Table ${input.TableName} not found.`);
  // The hidden "<table>$partitions" table has one column per partition key, in key order.
  const { rows } = await catalog.client.query(`SELECT * FROM ${sqlName(`${input.TableName}$partitions`)}`, {
    catalog: catalog.name,
    schema: input.DatabaseName,
  });
  const found = rows.some((row) => input.PartitionValues.every((value, index) => row[index] === value));
  if (!found)
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
