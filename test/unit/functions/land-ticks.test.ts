import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SelfManagedKafkaEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { kafkaEvent } from '../../fixtures/kafka-events';
import { sampleTick } from '../../fixtures/ticks';

const s3Mock = mockClient(S3Client);
const context = {
  functionName: 'landTicks',
  awsRequestId: 'req-3',
  getRemainingTimeInMillis: () => 60_000,
} as Context;
const event = kafkaEvent([
  { partition: 0, offset: 10, value: sampleTick() },
  { partition: 0, offset: 11, value: '{not json' },
]) as unknown as SelfManagedKafkaEvent;

async function loadHandler(env: Record<string, string>) {
  vi.resetModules();
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries({
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...env,
  })) {
    vi.stubEnv(name, value);
  }
  return (await import('../../../functions/land-ticks')).handler;
}

describe('landTicks handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(PutObjectCommand).resolves({});
  });

  it('lands the batch in the configured bucket and returns its counts', async () => {
    const handler = await loadHandler({ DATA_BUCKET: 'tickstream-dev-data' });
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
      Key: 'raw/stock_ticks/dt=2025-01-02/hour=14/stock-ticks+0+10.json.gz',
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'tickstream-dev-data',
      Key: 'quarantine/stock_ticks/dt=2026-11-20/stock-ticks+0+11.json.gz',
    });
  });

  it('throws when S3 rejects a write, so the event source mapping retries the batch', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    const handler = await loadHandler({ DATA_BUCKET: 'tickstream-dev-data' });
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
