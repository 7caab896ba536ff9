import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AlertsState } from '../live/alerts';
import { readVersioned } from '../live/conditional-object';
import type { LiveLayout } from '../live/live-layout';
import { alertsFrom, snapshotFrom } from '../live/read-live';
import type { LiveSnapshot } from '../live/snapshot';
import { callAws } from './errors';

/** The live snapshot and alerts of a stage, as the page reads them: one GET each. */
export async function readLive(params: {
  s3: S3Client;
  bucket: string;
  layout: LiveLayout;
}): Promise<{ snapshot: LiveSnapshot; alerts: AlertsState }> {
  const { s3, bucket, layout } = params;
  const [snapshot, alerts] = await Promise.all([
    callAws({
      call: 's3:GetObject',
      resource: `s3://${bucket}/${layout.snapshotKey}`,
      send: () => readVersioned(s3, bucket, layout.snapshotKey),
    }),
    callAws({
      call: 's3:GetObject',
      resource: `s3://${bucket}/${layout.alertsKey}`,
      send: () => readVersioned(s3, bucket, layout.alertsKey),
    }),
  ]);
  return { snapshot: snapshotFrom(snapshot), alerts: alertsFrom(alerts) };
}

/**
 * A link to the live page that works for `expiresIn` seconds without making the bucket public: the page's
 * presigned URL, with presigned URLs of the snapshot and the alerts in its fragment (the page reads them from
 * there: a presigned page cannot sign its own requests). Anyone holding the link can read those three objects
 * until it expires, nothing else.
 */
export async function presignedLivePage(params: {
  s3: S3Client;
  bucket: string;
  layout: LiveLayout;
  expiresIn: number;
}): Promise<string> {
  const { s3, bucket, layout, expiresIn } = params;
  const sign = (key: string) =>
    getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
  const [page, snapshot, alerts] = await Promise.all([
    sign(layout.pageKey),
    sign(layout.snapshotKey),
    sign(layout.alertsKey),
  ]);
  return `${page}#snapshot=${encodeURIComponent(snapshot)}&alerts=${encodeURIComponent(alerts)}`;
}
