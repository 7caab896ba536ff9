import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

/** The function as Lambda builds it from an environment, with a mocked S3 client and unpublished metrics. */
function build(env: Record<string, string>) {
  const logger = createLogger('land-ticks', { logLevel: testLogLevel() });
  return createLandTicks(loadLanderConfig(env), {
    s3: new S3Client({ region: 'us-east-1' }),
    logger,
    metrics: createMetrics('land-ticks', logger, { publish: false }),
  });
}

describe('landTicks handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(PutObjectCommand).resolves({});
  });

  it('lands the batch in the configured bucket and returns its counts', async () => {
    const { handler } = build({ DATA_BUCKET: 'tickstream-dev-data' });
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
      DATA_BUCKET: 'tickstream-dev-data',
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
    const { handler } = build({ DATA_BUCKET: 'tickstream-dev-data' });
    await expect(handler(event, context)).rejects.toThrow(
      /failed to write 2 of 2 objects to s3:\/\/tickstream-dev-data/,
    );
  });

  it('fails at start-up naming a missing bucket setting', () => {
    expect(() => build({})).toThrow('invalid configuration: DATA_BUCKET is required but not set');
  });

  it('rejects an out-of-range gzip level at start-up', () => {
    expect(() => build({ DATA_BUCKET: 'b-data', GZIP_LEVEL: '12' })).toThrow(/GZIP_LEVEL="12" is invalid/);
  });
});
