import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createBackfillHistory } from '../../../functions/factories/backfill-history';
import type { BuiltFunction } from '../../../functions/factories/function';
import { createLandTicks } from '../../../functions/factories/land-ticks';
import { createMoveTicks } from '../../../functions/factories/move-ticks';
import { createPlanReports } from '../../../functions/factories/plan-reports';
import { createProduceTicks } from '../../../functions/factories/produce-ticks';
import { createPublishReports } from '../../../functions/factories/publish-reports';
import { loadLanderConfig } from '../../../lib/land/config';
import { loadProducerConfig } from '../../../lib/produce/config';
import { loadPlannerConfig, loadPublisherConfig } from '../../../lib/reports/config';
import type { MoveStorage, PartsCatalog } from '../../../lib/reports/move';
import { loadMoverConfig } from '../../../lib/reports/move-config';
import { InvalidRequestError } from '../../../lib/shared/errors';
import { createLogger, createMetrics } from '../../../lib/shared/observability';
import { fakeProducer } from '../../fixtures/fake-producer';
import { testLogLevel } from '../../support/env';

const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as Context;
const s3Mock = mockClient(S3Client);
const logger = () => createLogger('event-checks', { logLevel: testLogLevel() });
const producerEnv = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  KAFKA_TOPIC: 'stock-ticks',
  SIMULATION_SEED: 'tickstream-v1',
};

/** Every function, built with fakes: a fake Kafka producer that records its calls, a mocked S3 client. */
function functions(producers: ReturnType<typeof fakeProducer>[]): Record<string, BuiltFunction> {
  const s3 = new S3Client({ region: 'us-east-1' });
  const createProducer = () => {
    const fake = fakeProducer();
    producers.push(fake);
    return fake.producer;
  };
  return {
    produceTicks: createProduceTicks(loadProducerConfig(producerEnv), { logger: logger(), createProducer }),
    backfillHistory: createBackfillHistory(loadProducerConfig(producerEnv), {
      logger: logger(),
      createProducer,
    }),
    landTicks: createLandTicks(loadLanderConfig({ DATA_BUCKET: 'data', RESULTS_BUCKET: 'results' }), {
      s3,
      logger: logger(),
      metrics: createMetrics('land-ticks', logger(), { publish: false }),
    }),
    planReports: createPlanReports(
      loadPlannerConfig({ RESULTS_BUCKET: 'results', REPORTS_FINALIZE_AFTER_MINUTES: '5' }),
      { logger: logger(), s3 },
    ),
    publishReports: createPublishReports(loadPublisherConfig({ RESULTS_BUCKET: 'results' }), {
      logger: logger(),
      s3,
    }),
    moveTicks: createMoveTicks(
      loadMoverConfig({
        DATA_BUCKET: 'data',
        RAW_PREFIX: 'raw/stock_ticks',
        ARCHIVE_PREFIX: 'archive/stock_ticks',
        MOVES_PREFIX: 'archive/_moves/stock_ticks',
        GLUE_DATABASE: 'tickstream_dev',
      }),
      { logger: logger(), s3: s3 as unknown as MoveStorage, glue: {} as PartsCatalog },
    ),
  };
}

describe('every function checks its event at the boundary, the same way', () => {
  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(PutObjectCommand).resolves({});
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
  });

  it.each([
    ['produceTicks', { symbols: 'AAPL' }, /^invalid produceTicks request: symbols: /],
    [
      'backfillHistory',
      { symbols: ['AAPL'], from: 'yesterday', to: '2026-11-20' },
      /^invalid backfillHistory request: from: /,
    ],
    ['landTicks', {}, /^invalid Kafka event: records: /],
    [
      'landTicks',
      { records: { 'stock-ticks-0': [{ topic: 'stock-ticks', partition: 0, value: 'e30=' }] } },
      /^invalid Kafka event: records\.stock-ticks-0\.0: not a Kafka record: expected topic \(text\), partition and offset/,
    ],
    [
      'landTicks',
      // Past 2^53 a JSON number has lost digits: the lineage would name another record.
      {
        records: {
          'stock-ticks-0': [
            { topic: 'stock-ticks', partition: 0, offset: 2 ** 53, timestamp: 1, value: 'e30=' },
          ],
        },
      },
      /^invalid Kafka event: records\.stock-ticks-0\.0: not a Kafka record: .*offset \(whole numbers from 0 to 2\^53 - 1\)/,
    ],
    ['planReports', { input: {} }, /^invalid planReports request: startTime: /],
    ['moveTicks', { step: 'plan', day: '20 Nov' }, /^invalid moveTicks request: day: must be YYYY-MM-DD/],
    ['moveTicks', { step: 'vacuum' }, /^invalid moveTicks request: step: /],
    [
      'publishReports',
      { day: '2026-11-20', final: false, execution: 'e', reports: [] },
      /^invalid publishReports request: reports: /,
    ],
  ])(
    '%s refuses %j with an InvalidRequestError that says what was wrong, having done nothing',
    async (name, event, message) => {
      const producers: ReturnType<typeof fakeProducer>[] = [];
      const failure = await functions(producers)
        [name]?.handler(event, context)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InvalidRequestError);
      expect(failure).toMatchObject({
        name: 'InvalidRequestError',
        message: expect.stringMatching(message),
        retriable: false,
      });
      // Not even a connection to Kafka: the producers' publisher connects on first use.
      expect(producers.filter(({ calls }) => calls.connect > 0 || calls.sends.length > 0)).toEqual([]);
      expect(s3Mock.calls()).toEqual([]);
    },
  );
});
