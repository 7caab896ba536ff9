import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { afterEach, describe, expect, it } from '@jest/globals';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createLogger } from '../../../../lib/shared/observability';

const context = {
  functionName: 'landTicks',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:landTicks',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 1000,
} as unknown as Context;

/** The `cold_start` of each invocation's log line, for a handler built once (one container). */
async function coldStarts(invocations: number): Promise<unknown[]> {
  const lines: string[] = [];
  const logger = createLogger('land-ticks', {
    logLevel: 'INFO',
    sink: { write: (line) => lines.push(line) },
  });
  const handler = middy(async () => logger.info('invoked')).use(injectLambdaContext(logger));
  for (let i = 0; i < invocations; i++) await handler({}, context);
  return lines.map((line) => (JSON.parse(line) as { cold_start?: unknown }).cold_start);
}

afterEach(() => {
  delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
});

describe('function logs: cold_start', () => {
  it('off Lambda (sls invoke local, the local stack), the first invocation of a container is the cold one', async () => {
    expect(process.env.AWS_LAMBDA_INITIALIZATION_TYPE).toBeUndefined();
    expect(await coldStarts(3)).toEqual([true, false, false]);
  });

  it('on Lambda, as its runtime says: on-demand counts the first, provisioned concurrency none', async () => {
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    expect(await coldStarts(2)).toEqual([true, false]);
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'provisioned-concurrency';
    expect(await coldStarts(2)).toEqual([false, false]);
  });
});

describe('function logs: where they go', () => {
  it('each logger writes to its own sink, so two local stacks in one process keep their logs apart', () => {
    const first: string[] = [];
    const second: string[] = [];
    createLogger('land-ticks', { sink: { write: (line) => first.push(line) } }).info('to the first');
    createLogger('produce-ticks', { sink: { write: (line) => second.push(line) } }).info('to the second');
    expect(first.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['to the first']);
    expect(second.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual([
      'to the second',
    ]);
  });
});
