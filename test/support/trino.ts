import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalS3 } from '../../local/services/s3/s3';
import { LOCAL_REGION } from '../../local/services/s3/s3';
import { createTrinoClient, type TrinoClient } from '../../local/services/trino/client';
import { createHiveCatalog, type LocalHiveCatalog } from '../../local/services/trino/hive-catalog';
import { loadLocalStackConfig } from '../../local/stack/config';

let catalogs = 0;

/** The Trino the integration set-up started (TRINO_URL). */
export function testTrino(): TrinoClient {
  const { externalTrino } = loadLocalStackConfig();
  if (!externalTrino) throw new Error('TRINO_URL is not set: run integration tests through jest');
  return createTrinoClient({ url: externalTrino });
}

/** A Hive catalog of the test Trino over a test's local S3, with `database` created, as a local stack makes one. */
export async function testHiveCatalog(s3: LocalS3, database: string): Promise<LocalHiveCatalog> {
  const client = testTrino();
  const catalog = await createHiveCatalog({
    client,
    name: `test_${process.pid}_${++catalogs}`,
    s3Endpoint: s3.endpoint,
    region: LOCAL_REGION,
    metastoreDir: mkdtempSync(join(tmpdir(), 'tickstream-metastore-')),
    database,
  });
  return catalog;
}
