import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishRequestSchema, publishReports } from '../../../../lib/reports/publish-reports';
import { InvalidRequestError } from '../../../../lib/shared/errors';
import { parseRequest } from '../../../../lib/shared/request';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
const BUCKET = 'tickstream-dev-results';
const csv = {
  'athena/q1.csv': '"symbol","avg_price","ticks"\n"AAPL","103.5","3"\n"KO","52.5","2"\n',
  'athena/q2.csv': '"symbol","note"\n"X","line one\nline two, ""quoted"""\n',
};
const request = {
  day: '2026-11-20',
  final: false,
  execution: 'run-42',
  reports: [
    {
      name: 'top_symbols_by_avg_price',
      sql: 'SELECT 1',
      query: { queryExecutionId: 'q1', outputLocation: `s3://${BUCKET}/athena/q1.csv`, bytesScanned: 2048 },
    },
    {
      name: 'notes',
      query: { queryExecutionId: 'q2', outputLocation: `s3://${BUCKET}/athena/q2.csv`, bytesScanned: 0 },
    },
  ],
};
/** The part of an SDK stream body that publishing reads. */
const body = (text: string) => ({ transformToString: async () => text });

beforeEach(() => {
  s3Mock.reset();
  for (const [key, text] of Object.entries(csv)) {
    s3Mock
      .on(GetObjectCommand, { Bucket: BUCKET, Key: key })
      .callsFake(() => ({ Body: body(text) }) as never);
  }
  s3Mock.on(PutObjectCommand).resolves({});
});

describe('publishReports', () => {
  it('a partial day: copies each result to its dated object and latest.csv, writes the manifest and both dashboards', async () => {
    const manifest = await publishReports({
      request,
      s3,
      bucket: BUCKET,
      now: () => new Date('2026-11-20T16:00:00Z'),
    });
    expect(manifest).toEqual({
      execution: 'run-42',
      day: '2026-11-20',
      final: false,
      publishedAt: '2026-11-20T16:00:00.000Z',
      bucket: BUCKET,
      manifest: `s3://${BUCKET}/reports/_runs/dt=2026-11-20/run-42.json`,
      dashboard: `s3://${BUCKET}/reports/_runs/dt=2026-11-20/run-42.html`,
      reports: [
        {
          name: 'top_symbols_by_avg_price',
          queryExecutionId: 'q1',
          source: `s3://${BUCKET}/athena/q1.csv`,
          object: `s3://${BUCKET}/reports/top_symbols_by_avg_price/dt=2026-11-20/run-42.csv`,
          latest: `s3://${BUCKET}/reports/top_symbols_by_avg_price/latest.csv`,
          rows: 2,
          bytesScanned: 2048,
        },
        {
          name: 'notes',
          queryExecutionId: 'q2',
          source: `s3://${BUCKET}/athena/q2.csv`,
          object: `s3://${BUCKET}/reports/notes/dt=2026-11-20/run-42.csv`,
          latest: `s3://${BUCKET}/reports/notes/latest.csv`,
          // One row: the newline sits inside a quoted field.
          rows: 1,
          bytesScanned: 0,
        },
      ],
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: 'reports/top_symbols_by_avg_price/latest.csv',
      Body: csv['athena/q1.csv'],
      ContentType: 'text/csv',
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: 'reports/top_symbols_by_avg_price/dt=2026-11-20/run-42.csv',
      Body: csv['athena/q1.csv'],
    });
    const written = (key: string) =>
      String(
        s3Mock.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === key)?.args[0].input
          .Body,
      );
    expect(JSON.parse(written('reports/_runs/dt=2026-11-20/run-42.json'))).toEqual(manifest);
    const html = written('reports/index.html');
    expect(html).toContain('<summary><b>top_symbols_by_avg_price</b>: 2 rows · 2048 bytes scanned');
    expect(html).toContain('<a href="top_symbols_by_avg_price/latest.csv">CSV</a>');
    expect(html).toContain('<td>AAPL</td><td class="num">103.5</td><td class="num">3</td>');
    expect(html).toContain('line two, &quot;quoted&quot;');
    // The run's own page links its own CSVs, relative to reports/_runs/dt=…/.
    expect(written('reports/_runs/dt=2026-11-20/run-42.html')).toContain(
      '<a href="../../top_symbols_by_avg_price/dt=2026-11-20/run-42.csv">CSV</a>',
    );
    expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      'reports/top_symbols_by_avg_price/dt=2026-11-20/run-42.csv',
      'reports/top_symbols_by_avg_price/latest.csv',
      'reports/notes/dt=2026-11-20/run-42.csv',
      'reports/notes/latest.csv',
      'reports/_runs/dt=2026-11-20/run-42.json',
      'reports/_runs/dt=2026-11-20/run-42.html',
      'reports/index.html',
    ]);
  });

  it('a final day: writes the final manifest and leaves latest.csv and index.html to the day in progress', async () => {
    const manifest = await publishReports({
      request: { ...request, final: true },
      s3,
      bucket: BUCKET,
      now: () => new Date('2026-11-21T00:05:30Z'),
    });
    expect(manifest.final).toBe(true);
    const calls = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.Key)).toEqual([
      'reports/top_symbols_by_avg_price/dt=2026-11-20/run-42.csv',
      'reports/notes/dt=2026-11-20/run-42.csv',
      'reports/_runs/dt=2026-11-20/run-42.json',
      'reports/_runs/dt=2026-11-20/run-42.html',
      'reports/_final/dt=2026-11-20.json',
    ]);
    expect(JSON.parse(String(calls.at(-1)?.Body))).toEqual(manifest);
    expect(String(calls[3]?.Body)).toContain('<p>Final: the day had ended when this run started.');
    // Every object the final manifest names was written: no latest.csv, which a final day leaves alone.
    const written = new Set(calls.map((input) => `s3://${BUCKET}/${input.Key}`));
    const named = manifest.reports.flatMap((report) => [
      report.object,
      ...(report.latest ? [report.latest] : []),
    ]);
    expect(named.filter((object) => !written.has(object))).toEqual([]);
    expect(manifest.reports.map((report) => report.latest)).toEqual([undefined, undefined]);
  });

  it('throws when a result cannot be read, before publishing anything for the run', async () => {
    s3Mock
      .on(GetObjectCommand, { Key: 'athena/q2.csv' })
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(publishReports({ request, s3, bucket: BUCKET })).rejects.toThrow('Access Denied');
    const keys = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).not.toContain('reports/_runs/dt=2026-11-20/run-42.json');
    expect(keys).not.toContain('reports/index.html');
  });

  it('throws when S3 rejects a write', async () => {
    s3Mock.on(PutObjectCommand).rejects(new Error('SlowDown'));
    await expect(publishReports({ request, s3, bucket: BUCKET })).rejects.toThrow('SlowDown');
  });

  it('takes only a well-formed request: the schema its handler checks the event with names the field', () => {
    const check = (input: unknown) => () =>
      parseRequest(PublishRequestSchema, 'publishReports request', input);
    expect(check({ ...request, day: '20/11/2026' })).toThrow(InvalidRequestError);
    expect(
      check({
        ...request,
        reports: [
          { name: 'x', query: { queryExecutionId: 'q', outputLocation: 'http://x', bytesScanned: 1 } },
        ],
      }),
    ).toThrow(/^invalid publishReports request: reports\.0\.query\.outputLocation: must be an s3:\/\/ URL$/);
  });
});
