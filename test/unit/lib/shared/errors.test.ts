import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { LandingWriteError } from '../../../../lib/land/write';
import {
  MarketAuthError,
  MarketDailyLimitError,
  MarketDataError,
  MarketPlanError,
  MarketSourceFailedError,
  MarketThrottledError,
  MarketUnknownSymbolError,
} from '../../../../lib/market/errors';
import { AwsCallError } from '../../../../lib/operator/errors';
import { KafkaUnavailableError, PartitionsNotAcknowledgedError } from '../../../../lib/produce/publisher';
import { ConfigError } from '../../../../lib/shared/environment';
import {
  DeadlineExceededError,
  InvalidRequestError,
  isRetriable,
  TickstreamError,
} from '../../../../lib/shared/errors';
import { SecretError } from '../../../../lib/shared/secrets';
import { awsError } from '../../../fixtures/stage';

const LIB = resolve(__dirname, '..', '..', '..', '..', 'lib');

describe('the error tree', () => {
  const cause = new Error('underneath');
  it.each([
    ['a failed landing write', new LandingWriteError('b', ['k'], 1, cause), true],
    ['unreachable brokers', new KafkaUnavailableError(['b:9096'], 'connect', cause), true],
    ['partitions left unanswered', new PartitionsNotAcknowledgedError('t', [1], 3), true],
    ['a deadline', new DeadlineExceededError('no acknowledgement within 10 ms', 10), true],
    ['a throttle', new MarketThrottledError('throttled', 'AAPL', { cause }), true],
    ['AWS throttling', new AwsCallError('glue:GetTable', 't', awsError('ThrottlingException', 'slow')), true],
    [
      'a secret that cannot be read',
      new SecretError('s', 'cannot be read', { cause, retriable: true }),
      true,
    ],
    ['the daily limit', new MarketDailyLimitError('limit', 'AAPL'), false],
    ['a refused key', new MarketAuthError('refused', { cause }), false],
    ['a plan refusal', new MarketPlanError('premium', { cause }), false],
    ['an unknown symbol', new MarketUnknownSymbolError('unknown', 'ZZZZ', { cause }), false],
    ['AWS refusing', new AwsCallError('glue:GetTable', 't', awsError('AccessDeniedException', 'no')), false],
    ['bad input', new InvalidRequestError('tick', 'price: expected number'), false],
    ['bad configuration', new ConfigError(['KAFKA_BROKERS is required']), false],
  ])('%s says whether retrying can help (%#)', (_what, error, retriable) => {
    expect(error).toBeInstanceOf(TickstreamError);
    expect(error.retriable).toBe(retriable);
    expect(isRetriable(error)).toBe(retriable);
  });

  it('keeps the cause, and names each error by its own class', () => {
    const error = new MarketAuthError('refused', { cause });
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('MarketAuthError');
    expect(new MarketDailyLimitError('limit', 'AAPL').name).toBe('MarketDailyLimitError');
  });

  it('says which market errors would fail every further request of a run', () => {
    expect(new MarketThrottledError('t', 'AAPL').everyRequest).toBe(true);
    expect(new MarketAuthError('k').everyRequest).toBe(true);
    expect(new MarketPlanError('p').everyRequest).toBe(true);
    expect(new MarketUnknownSymbolError('u', 'ZZZZ').everyRequest).toBe(false);
    expect(new MarketDataError('d', 'AAPL').everyRequest).toBe(false);
  });

  it('makes a run of symbols retriable only when every failure is', () => {
    const throttled = new MarketThrottledError('t', 'AAPL');
    const unknown = new MarketUnknownSymbolError('u', 'ZZZZ');
    expect(new MarketSourceFailedError('alphavantage', [throttled], 3).retriable).toBe(true);
    expect(new MarketSourceFailedError('alphavantage', [throttled, unknown], 3).retriable).toBe(false);
  });

  it('treats an error of unknown kind as not retriable', () => {
    expect(isRetriable(new Error('what is this'))).toBe(false);
    expect(isRetriable('a string')).toBe(false);
  });

  it('is what lib/ throws: no bare Error anywhere in the domain', () => {
    const files = readdirSync(LIB, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.ts'),
    );
    const bare = files.flatMap((file) =>
      readFileSync(join(LIB, file), 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /\bnew Error\(|\bthrow Error\(/.test(line) ? [`${relative(LIB, join(LIB, file))}:${i + 1}`] : [],
        ),
    );
    expect(files.length).toBeGreaterThan(40);
    expect(bare).toEqual([]);
  });
});
