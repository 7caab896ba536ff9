import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { parseS3Url } from '../shared/s3';
import { parseCsv } from './csv';
import { type DashboardAlerts, renderDashboard } from './dashboard/page';
import { finalManifestKey } from './days';

/** The dashboard of the day in progress, replaced by every partial run. */
export const LATEST_DASHBOARD_KEY = 'reports/index.html';

/** What the workflow's Map hands the publish step: one Athena result per report. */
export const PublishRequestSchema = z.object({
  day: z.iso.date(),
  /** Whether the day has ended (final) or is in progress (partial); see lib/reports/days.ts. */
  final: z.boolean(),
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
  /**
   * `reports/<name>/latest.csv`, which only a run of the day in progress writes: a final day's manifest has none,
   * so every object a manifest names exists.
   */
  latest?: string;
  rows: number;
  bytesScanned: number;
}

export interface RunManifest {
  execution: string;
  day: string;
  /** True when the day had ended when the run started: its reports hold every tick of the day. */
  final: boolean;
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
 * Publishes one day of a workflow run: each report's Athena CSV is copied to
 * `reports/<name>/dt=<day>/<execution>.csv`, a manifest (report → object, rows, bytes scanned, final or partial)
 * to `reports/_runs/dt=<day>/<execution>.json` and the dashboard beside it (`….html`). The day in progress also
 * replaces the stable `reports/<name>/latest.csv` and `reports/index.html`; a final day (finalized, or
 * re-reported after a backfill) instead writes its manifest to `reports/_final/dt=<day>.json`, never moving
 * `latest` back in time. Any S3 error throws.
 */
export async function publishReports(params: {
  request: PublishRequest;
  s3: ObjectStore;
  bucket: string;
  /** The live alerts to show, and the live page's key in the bucket (pages link it relative to themselves). */
  alerts?: { open: DashboardAlerts['open']; recent: DashboardAlerts['recent']; livePageKey: string };
  now?: () => Date;
}): Promise<RunManifest> {
  const { request, s3, bucket, now = () => new Date() } = params;
  const alertsFrom = (pageKey: string): DashboardAlerts | undefined =>
    params.alerts && {
      open: params.alerts.open,
      recent: params.alerts.recent,
      liveHref: `${'../'.repeat(pageKey.split('/').length - 1)}${params.alerts.livePageKey}`,
    };
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
    if (!request.final) await put(latest, csv, 'text/csv');
    reports.push({
      name,
      queryExecutionId: query.queryExecutionId,
      source: query.outputLocation,
      object: `s3://${bucket}/${key}`,
      ...(request.final ? {} : { latest: `s3://${bucket}/${latest}` }),
      rows: Math.max(0, table.length - 1),
      bytesScanned: query.bytesScanned,
    });
  }
  const runKey = `reports/_runs/dt=${request.day}/${request.execution}`;
  const manifestKey = `${runKey}.json`;
  const dashboardKey = `${runKey}.html`;
  const manifest = {
    execution: request.execution,
    day: request.day,
    final: request.final,
    publishedAt: now().toISOString(),
    bucket,
    manifest: `s3://${bucket}/${manifestKey}`,
    reports,
  };
  const complete: RunManifest = { ...manifest, dashboard: `s3://${bucket}/${dashboardKey}` };
  const manifestJson = `${JSON.stringify(complete, null, 2)}\n`;
  // Each page links the CSVs relative to where it stands: the run's own, or latest.csv from reports/index.html.
  const dashboard = (href: (report: PublishedReport) => string, pageKey: string) => {
    const alerts = alertsFrom(pageKey);
    return renderDashboard({
      ...manifest,
      reports: reports.map((report) => ({ ...report, href: href(report) })),
      tables,
      ...(alerts ? { alerts } : {}),
    });
  };
  const runPage = dashboard(
    (report) => `../../${report.name}/dt=${request.day}/${request.execution}.csv`,
    dashboardKey,
  );
  await put(manifestKey, manifestJson, 'application/json');
  await put(dashboardKey, runPage, 'text/html; charset=utf-8');
  if (request.final) await put(finalManifestKey(request.day), manifestJson, 'application/json');
  else
    await put(
      LATEST_DASHBOARD_KEY,
      dashboard((report) => `${report.name}/latest.csv`, LATEST_DASHBOARD_KEY),
      'text/html; charset=utf-8',
    );
  return complete;
}
