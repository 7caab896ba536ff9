import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createWatchMarket } from '../../../../functions/factories/watch-market';
import { emptyAlerts } from '../../../../lib/live/alerts';
import { emptySnapshot, foldTicks } from '../../../../lib/live/snapshot';
import { loadWatchConfig } from '../../../../lib/live/watch-config';
import { createLogger, createMetrics } from '../../../../lib/shared/observability';
import { sampleTick } from '../../../fixtures/ticks';
import { testLogLevel } from '../../../support/env';

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:tickstream-dev-AlertsTopic-1A2B';
const ENV = { RESULTS_BUCKET: 'tickstream-dev-results', ALERTS_TOPIC_ARN: TOPIC, STAGE: 'dev' };
const context = {
  functionName: 'watchMarket',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 30_000,
} as never;

// KO stopped at 14:50; AAPL ticks until 15:00: KO is silent on the feed's clock.
const snapshot = foldTicks(
  emptySnapshot(),
  [
    sampleTick({ symbol: 'KO', exchange: 'NYSE', timestamp: '2026-11-20T14:50:00.000Z' }),
    sampleTick({ symbol: 'AAPL', timestamp: '2026-11-20T15:00:00.000Z' }),
  ],
  '2026-11-20T15:00:05.000Z',
).snapshot;
const stored = (value: unknown, etag: string) => ({
  Body: { transformToString: async () => JSON.stringify(value) },
  ETag: etag,
});
const noSuchKey = () => Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
const scheduled = { time: '2026-11-20T15:01:00Z', 'detail-type': 'Scheduled Event', source: 'aws.events' };

function build() {
  const logger = createLogger('watch-market', { logLevel: testLogLevel() });
  return createWatchMarket(loadWatchConfig(ENV), {
    s3: new S3Client({ region: 'us-east-1' }),
    sns: new SNSClient({ region: 'us-east-1' }),
    logger,
    metrics: createMetrics('watch-market', logger, { publish: false }),
  });
}

/** The alerts object as the watch wrote it, the n-th time. */
const writtenAlerts = (n: number) =>
  JSON.parse(
    String(
      s3Mock.commandCalls(PutObjectCommand).filter(({ args }) => args[0].input.Key === 'live/alerts.json')[n]
        ?.args[0].input.Body,
    ),
  );

describe('watchMarket', () => {
  beforeEach(() => {
    s3Mock.reset();
    snsMock.reset();
    s3Mock.on(GetObjectCommand, { Key: 'live/snapshot.json' }).resolves(stored(snapshot, '"s"') as never);
    s3Mock.on(GetObjectCommand, { Key: 'live/alerts.json' }).rejects(noSuchKey());
    s3Mock.on(PutObjectCommand).resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('records an opened episode, sends it to the alerts topic once, then clears it from the pending list', async () => {
    const { handler } = build();
    await expect(handler(scheduled, context)).resolves.toMatchObject({
      opened: 1,
      sent: 1,
      open: ['symbol-silent:KO'],
    });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'tickstream dev: KO silent',
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'symbol-silent' },
        change: { DataType: 'String', StringValue: 'opened' },
      },
    });
    // Recorded (pending) before it was sent, with If-None-Match for the first alerts object…
    expect(s3Mock).toHaveReceivedNthSpecificCommandWith(1, PutObjectCommand, {
      Key: 'live/alerts.json',
      IfNoneMatch: '*',
    });
    expect(writtenAlerts(0).pending).toHaveLength(1);
    expect(writtenAlerts(0).evaluatedAt).toBe('2026-11-20T15:01:00.000Z');
  });

  it('sends nothing for an episode already open', async () => {
    const { handler } = build();
    await handler(scheduled, context);
    const state = writtenAlerts(0);
    s3Mock
      .on(GetObjectCommand, { Key: 'live/alerts.json' })
      .resolves(stored({ ...state, pending: [] }, '"a2"') as never);
    snsMock.resetHistory();
    await expect(handler({ ...scheduled, time: '2026-11-20T15:02:00Z' }, context)).resolves.toMatchObject({
      opened: 0,
      sent: 0,
    });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('keeps an event it could not send, and the next minute sends it', async () => {
    snsMock.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const { handler } = build();
    await expect(handler(scheduled, context)).rejects.toThrow('Rate exceeded');
    const recorded = writtenAlerts(0);
    expect(recorded.pending.map((event: { id: string }) => event.id)).toEqual([
      'symbol-silent:KO@2026-11-20T15:01:00.000Z:opened',
    ]);
    s3Mock.on(GetObjectCommand, { Key: 'live/alerts.json' }).resolves(stored(recorded, '"a2"') as never);
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-2' });
    await expect(handler({ ...scheduled, time: '2026-11-20T15:02:00Z' }, context)).resolves.toMatchObject({
      opened: 0,
      sent: 1,
    });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { Subject: 'tickstream dev: KO silent' });
  });

  it('judges an empty market (nothing landed yet) without alerting', async () => {
    s3Mock.on(GetObjectCommand, { Key: 'live/snapshot.json' }).rejects(noSuchKey());
    const { handler } = build();
    await expect(handler({}, context)).resolves.toMatchObject({ opened: 0, sent: 0, open: [] });
    expect(writtenAlerts(0)).toMatchObject({ ...emptyAlerts(), evaluatedAt: expect.any(String) });
  });

  it('fails at start-up naming a missing topic, and refuses an event whose time is not one', () => {
    expect(() => loadWatchConfig({ RESULTS_BUCKET: 'b-results' })).toThrow(
      'invalid configuration: ALERTS_TOPIC_ARN is required but not set',
    );
    expect(() => loadWatchConfig({ ...ENV, ALERT_MARKET_HOURS: 'nyse' })).toThrow(
      /ALERT_MARKET_HOURS="nyse" is invalid/,
    );
    return expect(build().handler({ time: 'yesterday' }, context)).rejects.toThrow(
      /invalid watchMarket event/,
    );
  });
});
