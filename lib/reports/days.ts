import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { InvalidRequestError } from '../shared/errors';
import { DAY_MS } from '../shared/time';

/** One day a reports run covers: `final` once the UTC day has ended, `partial` while it is in progress. */
export interface ReportDay {
  day: string;
  final: boolean;
}

/** What the workflow hands its first step: the execution's input (a day, or nothing) and its start time. */
export const PlanReportsRequestSchema = z.strictObject({
  input: z.strictObject({ day: z.iso.date().optional() }),
  startTime: z.iso.datetime({ offset: true }),
});

export type PlanReportsRequest = z.output<typeof PlanReportsRequestSchema>;

/** Where the final manifest of a day is kept: its presence says the day was finalized. */
export const finalManifestKey = (day: string) => `reports/_final/dt=${day}.json`;

/** The UTC day ('YYYY-MM-DD') of an instant. */
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The days one reports run covers (docs/design.md, "Days are finalized"):
 * - a requested day alone, final when it has ended (a re-report, e.g. after a backfill); a day after the
 *   execution's own is refused, since nothing can have landed for it;
 * - otherwise the day in progress (partial), preceded by the day that ended, as final, until that day has a final
 *   manifest, and only once `graceMinutes` have passed since midnight, so the last minute's ticks (published by the
 *   00:00 producer run, landed within the mapping's batching window) are in. A failed or early run leaves the
 *   finalization to the next one.
 * The execution's start time is the clock, so a run re-driven later plans the same days.
 */
export async function planReportDays(params: {
  request: PlanReportsRequest;
  graceMinutes: number;
  isFinalized: (day: string) => Promise<boolean>;
}): Promise<{ days: ReportDay[] }> {
  const { request } = params;
  const startMs = Date.parse(request.startTime);
  const today = utcDay(startMs);
  const requested = request.input.day;
  if (requested !== undefined) {
    if (requested > today)
      throw new InvalidRequestError(
        'planReports request',
        `day ${requested} is after the execution's day ${today}: no tick can have landed for it yet`,
      );
    return { days: [{ day: requested, final: requested < today }] };
  }
  const midnightMs = Date.parse(`${today}T00:00:00.000Z`);
  const yesterday = utcDay(midnightMs - DAY_MS);
  const pastGrace = startMs - midnightMs >= params.graceMinutes * 60_000;
  const finalize = pastGrace && !(await params.isFinalized(yesterday));
  return {
    days: [...(finalize ? [{ day: yesterday, final: true }] : []), { day: today, final: false }],
  };
}

/** The slice of an S3 client the finalization check uses. */
export interface ObjectLister {
  send(command: ListObjectsV2Command): Promise<{ KeyCount?: number }>;
}

/** Whether a day's final manifest exists in the results bucket. */
export async function hasFinalManifest(params: {
  s3: ObjectLister;
  bucket: string;
  day: string;
}): Promise<boolean> {
  const key = finalManifestKey(params.day);
  const listed = await params.s3.send(
    new ListObjectsV2Command({ Bucket: params.bucket, Prefix: key, MaxKeys: 1 }),
  );
  return (listed.KeyCount ?? 0) > 0;
}
