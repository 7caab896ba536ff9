import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createLandTicks } from '../../../functions/factories/land-ticks';
import { loadLanderConfig } from '../../../lib/land/config';
import { createLogger, createMetrics } from '../../../lib/shared/observability';
import { kafkaEvent } from '../../fixtures/kafka-events';
import { sampleTick } from '../../fixtures/ticks';
import { testLogLevel } from '../../support/env';

const context = {
  functionName: 'landTicks',
  awsRequestId: 'req-3',
  getRemainingTimeInMillis: () => 60_000,
} as Context;
const event = kafkaEvent([
  { partition: 0, offset: 10, value: sampleTick() },
  { partition: 0, offset: 11, value: '{not json' },
]);

const s3Mock = mockClient(S3Client);
const ENV = { DATA_BUCKET: 'tickstream-dev-data', RESULTS_BUCKET: 'tickstream-dev-results' };
const noSuchKey = () => Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
const preconditionFailed = () =>
  Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
    name: 'PreconditionFailed',
    $metadata: { httpStatusCode: 412 },
  });
const stored = (text: string, etag: string) => ({
  Body: { transformToString: async () => text },
  ETag: etag,
});

/** The function as Lambda builds it from an environment, with a mocked S3 client and unpublished metrics. */
function build(env: Record<string, string>) {
  const logger = createLogger('land-ticks', { logLevel: testLogLevel() });
  return createLandTicks(loadLanderConfig(env), {
    s3: new S3Client({ region: 'us-east-1' }),
    logger,
    metrics: createMetrics('land-ticks', logger, { publish: false }),
    now: () => Date.parse('2025-01-02T14:30:40.000Z'),
  });
}

/** The snapshot object landTicks wrote, parsed. */
function writtenSnapshot(call = 0) {
  const puts = s3Mock
    .commandCalls(PutObjectCommand)
    .filter(({ args }) => args[0].input.Key === 'live/snapshot.json');
  return JSON.parse(String(puts[call]?.args[0].input.Body));
}

describe('landTicks handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(PutObjectCommand).resolves({});
    s3Mock.on(GetObjectCommand).rejects(noSuchKey());
  });

  it('lands the batch in the configured bucket and returns its counts', async () => {
    const { handler } = build(ENV);
    const summary = await handler(event, context);
    expect(summary).toMatchObject({
      records: 2,
      landed: 1,
      quarantined: 1,
      objects: 1,
      quarantineObjects: 1,
      putRequests: 2,
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'tickstream-dev-data',
      Key: 'raw/stock_ticks/dt=2025-01-02/stock-ticks+0+10.json.gz',
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'tickstream-dev-data',
      Key: 'quarantine/stock_ticks/dt=2026-11-20/stock-ticks+0+11.json.gz',
    });
  });

  it('writes under the prefixes its configuration names', async () => {
    const { handler } = build({
      ...ENV,
      RAW_PREFIX: 'landing/ticks/',
      QUARANTINE_PREFIX: 'bad',
    });
    await handler(event, context);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: 'landing/ticks/dt=2025-01-02/stock-ticks+0+10.json.gz',
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: 'bad/dt=2026-11-20/stock-ticks+0+11.json.gz',
    });
  });

  it('throws when S3 rejects a write, so the event source mapping retries the batch', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    const { handler } = build(ENV);
    await expect(handler(event, context)).rejects.toThrow(
      /failed to write 2 of 2 objects to s3:\/\/tickstream-dev-data/,
    );
  });

  it('then creates the live snapshot, only if no other batch created it first', async () => {
    const { handler } = build(ENV);
    await expect(handler(event, context)).resolves.toMatchObject({ snapshotTicks: 1, snapshotAttempts: 1 });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'tickstream-dev-results',
      Key: 'live/snapshot.json',
      IfNoneMatch: '*',
      ContentType: 'application/json',
    });
    expect(writtenSnapshot().symbols.AAPL).toMatchObject({
      last: 250.42,
      tickTime: '2025-01-02T14:30:00.000Z',
      landedAt: '2025-01-02T14:30:40.000Z',
    });
  });

  it('writes the snapshot it read back only if it is still that version (If-Match its ETag)', async () => {
    const { handler } = build(ENV);
    s3Mock
      .on(GetObjectCommand)
      .resolves(
        stored(
          JSON.stringify({ version: 1, updatedAt: null, newestTick: null, symbols: {} }),
          '"v1"',
        ) as never,
      );
    await handler(event, context);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: 'live/snapshot.json',
      IfMatch: '"v1"',
    });
  });

  it('reads again and re-applies its ticks when another batch wrote the snapshot in between', async () => {
    const { handler } = build(ENV);
    const other = JSON.stringify({
      version: 1,
      updatedAt: '2025-01-02T14:30:39.000Z',
      newestTick: '2025-01-02T14:30:01.000Z',
      symbols: {
        MSFT: {
          symbol: 'MSFT',
          exchange: 'NASDAQ',
          day: '2025-01-02',
          last: 400,
          bid: 400,
          ask: 400,
          tickTime: '2025-01-02T14:30:01.000Z',
          landedAt: '2025-01-02T14:30:39.000Z',
          open: 400,
          high: 400,
          low: 400,
          volume: 1,
          ticks: 1,
          closes: [],
        },
      },
    });
    s3Mock
      .on(GetObjectCommand)
      .rejectsOnce(noSuchKey())
      .resolves(stored(other, '"v2"') as never);
    s3Mock
      .on(PutObjectCommand, { Key: 'live/snapshot.json', IfNoneMatch: '*' })
      .rejects(preconditionFailed());
    await expect(handler(event, context)).resolves.toMatchObject({ snapshotAttempts: 2 });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: 'live/snapshot.json',
      IfMatch: '"v2"',
    });
    expect(Object.keys(writtenSnapshot(1).symbols).sort()).toEqual(['AAPL', 'MSFT']);
  });

  it('leaves the snapshot alone for a batch whose ticks it already holds (a retry or a re-drive)', async () => {
    const { handler } = build(ENV);
    await handler(event, context);
    const first = JSON.stringify(writtenSnapshot());
    s3Mock.resetHistory();
    s3Mock.on(GetObjectCommand).resolves(stored(first, '"v1"') as never);
    await expect(handler(event, context)).resolves.toMatchObject({ snapshotTicks: 0 });
    expect(s3Mock.commandCalls(PutObjectCommand).map(({ args }) => args[0].input.Key)).not.toContain(
      'live/snapshot.json',
    );
  });

  it('reads the snapshot before landing (folding each tick in as it decodes) and writes it after every landed object', async () => {
    const { handler } = build(ENV);
    await handler(event, context);
    const order = s3Mock.calls().map((call) => {
      const input = call.args[0].input as { Bucket: string; Key: string };
      return `${call.args[0].constructor.name} ${input.Bucket}/${input.Key}`;
    });
    expect(order[0]).toBe('GetObjectCommand tickstream-dev-results/live/snapshot.json');
    expect(order.at(-1)).toBe('PutObjectCommand tickstream-dev-results/live/snapshot.json');
    expect(order.slice(1, -1).sort()).toEqual([
      'PutObjectCommand tickstream-dev-data/quarantine/stock_ticks/dt=2026-11-20/stock-ticks+0+11.json.gz',
      'PutObjectCommand tickstream-dev-data/raw/stock_ticks/dt=2025-01-02/stock-ticks+0+10.json.gz',
    ]);
  });

  it('lands the batch when the first read of the snapshot fails, and updates the snapshot on a second read', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejectsOnce(Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' }))
      .rejects(noSuchKey());
    const { handler } = build(ENV);
    await expect(handler(event, context)).resolves.toMatchObject({ landed: 1, snapshotTicks: 1 });
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 2);
    expect(writtenSnapshot().symbols.AAPL).toMatchObject({ last: 250.42 });
  });

  it('fails the batch when the snapshot cannot be read, so the mapping retries it', async () => {
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const { handler } = build(ENV);
    await expect(handler(event, context)).rejects.toThrow('Access Denied');
  });

  it('fails at start-up naming a missing bucket setting', () => {
    expect(() => build({})).toThrow('invalid configuration: DATA_BUCKET is required but not set');
  });

  it('rejects an out-of-range gzip level at start-up', () => {
    expect(() => build({ ...ENV, GZIP_LEVEL: '12' })).toThrow(/GZIP_LEVEL="12" is invalid/);
  });
});
