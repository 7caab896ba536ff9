import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_LAYOUT } from '../../lib/land/plan';
import { loadUniqueTicksView } from '../../lib/reports/catalog';
import { columnarTableDdl } from '../../lib/reports/columnar';
import type { PartsCatalog } from '../../lib/reports/move';
import { parseS3Url } from '../../lib/shared/s3';
import { createLocalAthena } from '../aws/athena';
import { createLocalCrawler } from '../aws/glue-crawler';
import { createLocalPartsCatalog } from '../aws/glue-partitions';
import { LOCAL_REGION, startLocalS3 } from '../services/s3/s3';
import { createHiveCatalog } from '../services/trino/hive-catalog';
import { useOrStartTrino } from '../services/trino/server';
import { CACHE_DIR } from '../support/cache';
import { loadLocalStackConfig } from './config';

/** Runs a query in a scratch catalog: the result's CSV text and the bytes Trino read for it. */
export type ScratchQuery = (sql: string, day?: string) => Promise<{ csv: string; bytesScanned: number }>;

/** What else a look at a scratch catalog may use: its S3 client and bucket, and its catalog's partitions. */
export interface ScratchContext {
  s3: S3Client;
  bucket: string;
  database: string;
  glue: PartsCatalog;
}

let scratchCount = 0;

/**
 * The reports' side of the local stack, for a one-off look at some landed ticks: a scratch local S3 with a data
 * bucket that `fill` puts the objects in, the crawler stand-in over the raw prefix, the view every report
 * reads (as the workflow creates it after the crawl), and Trino as Athena (the one `TRINO_URL` names, else one
 * started for this look). `use` runs queries; everything is removed afterwards. `tickstream report --local` and
 * the tests' reference reports use it.
 */
export async function withScratchCatalog<T>(
  params: {
    bucket: string;
    fill: (client: S3Client) => Promise<void>;
    /** Where `fill` puts the landed ticks (default: landing's own layout); the table is its last folder, as a crawler names it. */
    rawPrefix?: string;
  },
  use: (query: ScratchQuery, context: ScratchContext) => Promise<T>,
): Promise<T> {
  const { bucket, rawPrefix = DEFAULT_LAYOUT.rawPrefix } = params;
  const results = 'tickstream-scratch-results';
  const database = 'tickstream_scratch';
  const id = `${process.pid}_${Date.now()}_${++scratchCount}`;
  const trino = await useOrStartTrino({
    url: loadLocalStackConfig().externalTrino,
    workDir: join(CACHE_DIR, 'trino-run', `scratch-${id}`),
    logFile: join(CACHE_DIR, 'trino-run', 'scratch.log'),
  });
  const { client } = trino;
  const s3 = await startLocalS3({
    storageDir: mkdtempSync(join(tmpdir(), 'tickstream-scratch-')),
    buckets: [bucket, results],
    removeOnStop: true,
  });
  const catalog = await createHiveCatalog({
    client,
    name: `scratch_${id}`,
    s3Endpoint: s3.plainEndpoint,
    region: LOCAL_REGION,
    metastoreDir: join(CACHE_DIR, 'trino-run', `scratch-metastore-${id}`),
    database,
  });
  try {
    await params.fill(s3.client);
    await createLocalCrawler({
      name: 'scratch',
      database,
      table: basename(rawPrefix),
      bucket,
      prefix: `${rawPrefix}/`,
      s3: s3.client,
      catalog,
    }).start();
    const athena = createLocalAthena({ catalog, s3: s3.client, resultsBucket: results });
    const context = { QueryExecutionContext: { Database: database } };
    // The view reads the columnar table too (empty until something moves), as CloudFormation creates it on AWS.
    const columnarLocation = `s3://${bucket}/columnar/${basename(rawPrefix)}`;
    await athena.startQueryExecutionSync({ QueryString: columnarTableDdl(columnarLocation), ...context });
    await athena.startQueryExecutionSync({ QueryString: loadUniqueTicksView().sql, ...context });
    return await use(
      async (sql, day) => {
        const { QueryExecution } = await athena.startQueryExecutionSync({
          QueryString: sql,
          ...context,
          ...(day === undefined ? {} : { ExecutionParameters: [`'${day}'`] }),
        });
        const { key } = parseS3Url(QueryExecution.ResultConfiguration.OutputLocation);
        const object = await s3.client.send(new GetObjectCommand({ Bucket: results, Key: key }));
        return {
          csv: (await object.Body?.transformToString()) ?? '',
          bytesScanned: QueryExecution.Statistics.DataScannedInBytes,
        };
      },
      {
        s3: s3.client,
        bucket,
        database,
        glue: createLocalPartsCatalog({ catalog, database, location: columnarLocation }),
      },
    );
  } finally {
    await catalog.drop();
    await s3.stop();
    await trino.stop();
  }
}
