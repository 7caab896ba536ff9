import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { parseCsv } from './csv';
import { renderDashboard } from './dashboard/page';
import { parseRequest } from './produce';
import { parseS3Url } from './s3';

/** What the workflow's Map hands the publish step: one Athena result per report. */
export const PublishRequestSchema = z.object({
  day: z.iso.date(),
  execution: z.string().min(1).max(80),
  reports: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9_]+$/),
        query: z.object({
          queryExecutionId: z.string().min(1),
          outputLocation: z.string().regex(/^s3:\/\/[^/]+\/.+/, 'must be an s3:// URL'),
          bytesScanned: z.number().nonnegative(),
        }),
      }),
    )
    .min(1),
});

export type PublishRequest = z.output<typeof PublishRequestSchema>;

export interface PublishedReport {
  name: string;
  queryExecutionId: string;
  source: string;
  object: string;
  latest: string;
  rows: number;
  bytesScanned: number;
}

export interface RunManifest {
  execution: string;
  day: string;
  publishedAt: string;
  bucket: string;
  manifest: string;
  dashboard: string;
  reports: PublishedReport[];
}

/** The slice of an S3 client publishing uses. */
export interface ObjectStore {
  send(command: GetObjectCommand | PutObjectCommand): Promise<unknown>;
}

/**
 * Publishes one workflow run: each report's Athena CSV is copied to `reports/<name>/dt=<day>/<execution>.csv`
 * and to the stable `reports/<name>/latest.csv`; a manifest (report → object, rows, bytes scanned) goes to
 * `reports/_runs/dt=<day>/<execution>.json` and the dashboard to `reports/index.html`. Any S3 error throws.
 */
export async function publishReports(params: {
  input: unknown;
  s3: ObjectStore;
  bucket: string;
  now?: () => Date;
}): Promise<RunManifest> {
  const request = parseRequest(PublishRequestSchema, 'publishReports request', params.input);
  const { s3, bucket, now = () => new Date() } = params;
  const put = (key: string, body: string, contentType: string) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));

  const tables = new Map<string, string[][]>();
  const reports: PublishedReport[] = [];
  for (const { name, query } of request.reports) {
    const source = parseS3Url(query.outputLocation);
    const object = (await s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }))) as {
      Body?: { transformToString(): Promise<string> };
    };
    const csv = (await object.Body?.transformToString()) ?? '';
    const table = parseCsv(csv);
    tables.set(name, table);
    const key = `reports/${name}/dt=${request.day}/${request.execution}.csv`;
    const latest = `reports/${name}/latest.csv`;
    await put(key, csv, 'text/csv');
    await put(latest, csv, 'text/csv');
    reports.push({
      name,
      queryExecutionId: query.queryExecutionId,
      source: query.outputLocation,
      object: `s3://${bucket}/${key}`,
      latest: `s3://${bucket}/${latest}`,
      rows: Math.max(0, table.length - 1),
      bytesScanned: query.bytesScanned,
    });
  }
  const manifestKey = `reports/_runs/dt=${request.day}/${request.execution}.json`;
  const manifest = {
    execution: request.execution,
    day: request.day,
    publishedAt: now().toISOString(),
    bucket,
    manifest: `s3://${bucket}/${manifestKey}`,
    reports,
  };
  const dashboardKey = 'reports/index.html';
  const complete: RunManifest = { ...manifest, dashboard: `s3://${bucket}/${dashboardKey}` };
  await put(manifestKey, `${JSON.stringify(complete, null, 2)}\n`, 'application/json');
  await put(dashboardKey, renderDashboard({ ...manifest, tables }), 'text/html; charset=utf-8');
  return complete;
}
