import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createLocalAthena } from '../aws/athena';
import { createLocalCrawler, getLocalPartition, getLocalTable } from '../aws/glue-crawler';
import type { ReportsTasks } from '../aws/reports-workflow';
import type { LocalHiveCatalog } from '../services/trino/hive-catalog';
import type { DataLayout } from './data-layout';
import { resolveLocalValue } from './function-environments';

/**
 * What the reports state machine's tasks do on the local stack: planReports and publishReports invoked as
 * functions, the S3 integrations on the local endpoint, the Glue calls and the crawler on the stack's catalog, the
 * Athena integration in Trino, and the alerts topic a line in the stack's log.
 */
export function localReportsTasks(params: {
  reports: { crawlerName: string; database: string };
  layout: DataLayout;
  resources: Record<string, string>;
  s3: S3Client;
  catalog: LocalHiveCatalog;
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  log: (line: string) => void;
}): ReportsTasks {
  const { reports, layout, resources, s3, catalog, invoke, log } = params;
  const crawler = createLocalCrawler({
    name: reports.crawlerName,
    database: reports.database,
    table: layout.table,
    bucket: resources.DataBucket ?? '',
    prefix: `${layout.rawPrefix}/`,
    s3,
    catalog,
  });
  const athena = createLocalAthena({ catalog, s3, resultsBucket: resources.ResultsBucket ?? '' });
  return {
    plan: (payload) => invoke('planReports', payload),
    move: (payload) => invoke('moveTicks', payload),
    // The definition names the bucket as the template does ({"Ref": "DataBucket"}).
    // The SDK integrations' answers as Step Functions hands them on: JSON, without the SDK's $metadata.
    listObjects: async (input) => {
      const { $metadata: _, ...listing } = await s3.send(
        new ListObjectsV2Command({
          ...input,
          Bucket: resolveLocalValue(input.Bucket, resources, 'ListObjectsV2.Bucket'),
        }),
      );
      return JSON.parse(JSON.stringify(listing)) as typeof listing;
    },
    getPartition: (input) => getLocalPartition(catalog, input),
    getTable: (input) => getLocalTable(catalog, input),
    startCrawler: () => crawler.start(),
    getCrawler: () => crawler.get(),
    runQuery: (query) => athena.startQueryExecutionSync(query),
    publish: (payload) => invoke('publishReports', payload),
    notify: async (message) => log(`SNS: ${message.Message}`),
  };
}
