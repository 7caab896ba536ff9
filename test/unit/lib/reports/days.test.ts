import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { loadPlannerConfig } from '../../../../lib/reports/config';
import {
  finalManifestKey,
  hasFinalManifest,
  PlanReportsRequestSchema,
  planReportDays,
} from '../../../../lib/reports/days';
import { ConfigError } from '../../../../lib/shared/environment';
import { InvalidRequestError } from '../../../../lib/shared/errors';
import { parseRequest } from '../../../../lib/shared/request';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });

/** Plans with 5 minutes' grace; `finalized` days already have a final manifest. Records what was asked. */
async function plan(input: unknown, startTime: string, finalized: string[] = []) {
  const asked: string[] = [];
  const result = await planReportDays({
    request: parseRequest(PlanReportsRequestSchema, 'planReports request', { input, startTime }),
    graceMinutes: 5,
    isFinalized: async (day) => {
      asked.push(day);
      return finalized.includes(day);
    },
  });
  return { ...result, asked };
}

describe('planReportDays', () => {
  it('after the grace minutes, the day that ended is final until it has a final manifest', async () => {
    expect(await plan({}, '2026-11-21T00:05:00.000Z')).toEqual({
      days: [
        { day: '2026-11-20', final: true },
        { day: '2026-11-21', final: false },
      ],
      asked: ['2026-11-20'],
    });
    // A failed 00:05 run: the 01:05 run still finalizes it.
    expect((await plan({}, '2026-11-21T01:05:00.000Z')).days).toHaveLength(2);
    expect(await plan({}, '2026-11-21T01:05:00.000Z', ['2026-11-20'])).toEqual({
      days: [{ day: '2026-11-21', final: false }],
      asked: ['2026-11-20'],
    });
  });

  it('within the grace minutes the day that ended is left for a later run, without asking', async () => {
    expect(await plan({}, '2026-11-21T00:04:59.999Z')).toEqual({
      days: [{ day: '2026-11-21', final: false }],
      asked: [],
    });
  });

  it('crosses months, years and leap days', async () => {
    expect((await plan({}, '2027-01-01T00:05:00Z')).days[0]).toEqual({ day: '2026-12-31', final: true });
    expect((await plan({}, '2028-03-01T00:05:00Z')).days[0]).toEqual({ day: '2028-02-29', final: true });
  });

  it('a requested day alone: final once it has ended, partial when it is the execution day', async () => {
    expect(await plan({ day: '2026-11-02' }, '2026-11-21T10:05:00Z')).toEqual({
      days: [{ day: '2026-11-02', final: true }],
      asked: [],
    });
    expect((await plan({ day: '2026-11-21' }, '2026-11-21T10:05:00Z')).days).toEqual([
      { day: '2026-11-21', final: false },
    ]);
  });

  it('refuses a future day, a malformed day and an unknown field, naming them', async () => {
    await expect(plan({ day: '2026-11-22' }, '2026-11-21T23:59:00Z')).rejects.toThrow(
      "invalid planReports request: day 2026-11-22 is after the execution's day 2026-11-21: no tick can have landed for it yet",
    );
    await expect(plan({ day: '21/11/2026' }, '2026-11-21T10:00:00Z')).rejects.toThrow(InvalidRequestError);
    await expect(plan({ date: '2026-11-20' }, '2026-11-21T10:00:00Z')).rejects.toThrow(
      /invalid planReports request: input: Unrecognized key: "date"/,
    );
  });
});

describe('hasFinalManifest', () => {
  beforeEach(() => {
    s3Mock.reset();
  });

  it("lists the day's final manifest key, and says whether it is there", async () => {
    s3Mock.on(ListObjectsV2Command).resolvesOnce({ KeyCount: 1 }).resolvesOnce({ KeyCount: 0 });
    expect(await hasFinalManifest({ s3, bucket: 'results', day: '2026-11-20' })).toBe(true);
    expect(await hasFinalManifest({ s3, bucket: 'results', day: '2026-11-21' })).toBe(false);
    expect(s3Mock).toHaveReceivedNthCommandWith(1, ListObjectsV2Command, {
      Bucket: 'results',
      Prefix: 'reports/_final/dt=2026-11-20.json',
      MaxKeys: 1,
    });
    expect(s3Mock).toHaveReceivedNthCommandWith(2, ListObjectsV2Command, {
      Prefix: 'reports/_final/dt=2026-11-21.json',
    });
    expect(finalManifestKey('2026-11-21')).toBe('reports/_final/dt=2026-11-21.json');
  });

  it('lets an S3 error fail the plan (the workflow notifies) rather than guess', async () => {
    s3Mock
      .on(ListObjectsV2Command)
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(
      planReportDays({
        request: { input: {}, startTime: '2026-11-21T00:05:00Z' },
        graceMinutes: 5,
        isFinalized: (day) => hasFinalManifest({ s3, bucket: 'results', day }),
      }),
    ).rejects.toThrow('Access Denied');
  });
});

describe('planner config', () => {
  it('reads the results bucket and the grace minutes, and names what is missing', () => {
    expect(
      loadPlannerConfig({
        RESULTS_BUCKET: 'r-bucket',
        REPORTS_FINALIZE_AFTER_MINUTES: '5',
        AWS_REGION: 'eu-west-1',
      }),
    ).toEqual({
      bucket: 'r-bucket',
      finalizeAfterMinutes: 5,
      s3: { region: 'eu-west-1', endpoint: undefined },
    });
    expect(() => loadPlannerConfig({ RESULTS_BUCKET: 'r-bucket' })).toThrow(ConfigError);
    expect(() => loadPlannerConfig({ RESULTS_BUCKET: 'r-bucket' })).toThrow(
      /REPORTS_FINALIZE_AFTER_MINUTES is required but not set/,
    );
  });
});
