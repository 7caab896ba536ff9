import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TrinoClient } from './client';
import { sqlName, sqlString } from './sql';

/** A Hive catalog of the local Trino: the local stand-in for one stack's Glue Data Catalog. */
export interface LocalHiveCatalog {
  /** Trino's name for it: what a statement's session names as its catalog. */
  name: string;
  client: TrinoClient;
  drop(): Promise<void>;
}

/**
 * Creates a Hive catalog on the running Trino for one local stack: its tables' data is read and written through
 * the stack's S3 endpoint (`s3://bucket/key`, as Athena reads S3), its metadata is kept in a file metastore under
 * `metastoreDir` (Glue's catalog is Hive-compatible). External tables are writable, as Athena's INSERT INTO writes
 * to them. Each stack has its own catalog on the one server: stacks running side by side never see each other.
 * `database` (the Glue database, which CloudFormation creates on AWS) is created in it as a schema.
 */
export async function createHiveCatalog(params: {
  client: TrinoClient;
  name: string;
  s3Endpoint: string;
  region: string;
  metastoreDir: string;
  database: string;
}): Promise<LocalHiveCatalog> {
  const { client, name } = params;
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new RangeError(`invalid Trino catalog name ${name}`);
  // The metastore keeps its files under <root>/meta; table data never lives there (Trino refuses that).
  mkdirSync(join(params.metastoreDir, 'meta'), { recursive: true });
  const properties: Record<string, string> = {
    'hive.metastore': 'file',
    'hive.metastore.catalog.dir': 'local:///meta',
    'fs.native-local.enabled': 'true',
    'local.location': params.metastoreDir,
    'fs.native-s3.enabled': 'true',
    's3.endpoint': params.s3Endpoint,
    's3.region': params.region,
    's3.path-style-access': 'true',
    // The local endpoint takes any credentials; these are not secrets.
    's3.aws-access-key': 'local',
    's3.aws-secret-key': 'local',
    // The local endpoint takes request bodies up to 11 MiB: files larger than a part go up in 8 MiB parts
    // (multipart upload, as S3 takes them), smaller ones in one PUT.
    's3.streaming.part-size': '8MB',
    'hive.non-managed-table-writes-enabled': 'true',
    // Glue's BatchDeletePartition (moveTicks dropping a compacted day's older parts) is unregister_partition here.
    'hive.allow-register-partition-procedure': 'true',
    // Athena's INSERT INTO adds files to an existing partition (it never overwrites): so does this catalog.
    'hive.insert-existing-partitions-behavior': 'APPEND',
    // The columnar table's Parquet is ZSTD, as its Glue table property `parquet.compression` tells Athena.
    'hive.compression-codec': 'ZSTD',
    // Read only the columns a query names, however small the file: Trino otherwise reads a Parquet file under
    // 3 MB whole, which would count every column as scanned where Athena counts the columns it reads.
    'parquet.small-file-threshold': '0B',
    // Nor join the reads of neighbouring columns into one (up to 1 MB apart by default): Athena bills the
    // columns a query reads, so the local count must not include the ones in between.
    'parquet.max-merge-distance': '0B',
    // Trino re-reads 5% of the Parquet files it writes, picked at random, to check its own writer; on this table
    // the check fails every time it runs (HIVE_WRITE_VALIDATION_FAILED, "not a valid Parquet File") although every
    // file reads back right, so it failed one INSERT in twenty at random. Athena does no such check: neither does
    // the local Athena.
    'parquet.writer.validation-percentage': '0',
  };
  await client.query(
    `CREATE CATALOG ${name} USING hive WITH (${Object.entries(properties)
      .map(([key, value]) => `${sqlName(key)} = ${sqlString(value)}`)
      .join(', ')})`,
  );
  const catalog = {
    name,
    client,
    async drop() {
      await client.query(`DROP CATALOG IF EXISTS ${name}`);
      rmSync(params.metastoreDir, { recursive: true, force: true });
    },
  };
  await client
    .query(`CREATE SCHEMA ${sqlName(params.database)}`, { catalog: name })
    .catch(async (error: unknown) => {
      await catalog.drop();
      throw error;
    });
  return catalog;
}
