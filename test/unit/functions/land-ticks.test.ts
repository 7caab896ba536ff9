import { describe, expect, it, jest } from '@jest/globals';
import type { Context, SelfManagedKafkaEvent } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { kafkaEvent } from '../../fixtures/kafka-events';
import { sampleTick } from '../../fixtures/ticks';
import { restoreStubbedEnv, stubEnv, testLogLevel } from '../../support/env';

const context = {
  functionName: 'landTicks',
  awsRequestId: 'req-3',
  getRemainingTimeInMillis: () => 60_000,
} as Context;
const event = kafkaEvent([
  { partition: 0, offset: 10, value: sampleTick() },
  { partition: 0, offset: 11, value: '{not json' },
]) as unknown as SelfManagedKafkaEvent;

type S3Module = typeof import('@aws-sdk/client-s3');

/**
 * Loads the handler afresh with an environment (it reads its settings at load). jest.resetModules gives the
 * handler a new copy of the S3 SDK too, so the mock is put on that copy's client, not on one imported above.
 */
async function loadHandler(
  env: Record<string, string>,
  configure?: (s3: AwsClientStub<InstanceType<S3Module['S3Client']>>, sdk: S3Module) => void,
) {
  jest.resetModules();
  restoreStubbedEnv();
  for (const [name, value] of Object.entries({
    POWERTOOLS_LOG_LEVEL: testLogLevel(),
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...env,
  })) {
    stubEnv(name, value);
  }
  const sdk = await import('@aws-sdk/client-s3');
  const s3Mock = mockClient(sdk.S3Client);
  s3Mock.on(sdk.PutObjectCommand).resolves({});
  configure?.(s3Mock, sdk);
  const { handler } = await import('../../../functions/land-ticks');
  return { handler, s3Mock, PutObjectCommand: sdk.PutObjectCommand };
}

describe('landTicks handler', () => {
  it('lands the batch in the configured bucket and returns its counts', async () => {
    const { handler, s3Mock, PutObjectCommand } = await loadHandler({ DATA_BUCKET: 'tickstream-dev-data' });
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

  it('throws when S3 rejects a write, so the event source mapping retries the batch', async () => {
    const { handler } = await loadHandler({ DATA_BUCKET: 'tickstream-dev-data' }, (s3Mock, sdk) =>
      s3Mock
        .on(sdk.PutObjectCommand)
        .rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' })),
    );
    await expect(handler(event, context)).rejects.toThrow(
      /failed to write 2 of 2 objects to s3:\/\/tickstream-dev-data/,
    );
  });

  it('fails at start-up naming a missing bucket setting', async () => {
    await expect(loadHandler({})).rejects.toThrow(
      'invalid configuration: DATA_BUCKET is required but not set',
    );
  });

  it('rejects an out-of-range gzip level at start-up', async () => {
    await expect(loadHandler({ DATA_BUCKET: 'b-data', GZIP_LEVEL: '12' })).rejects.toThrow(
      /GZIP_LEVEL="12" is invalid/,
    );
  });
});
