import { TickstreamError } from '../shared/errors';
import { sleep } from '../shared/time';
/** A mistake in what the operator asked for (unknown report, malformed date, unknown stage): exit status 2. */
export class InputError extends TickstreamError {
  override readonly name = 'InputError';
}

/**
 * Why an AWS call failed, in one line. An answer the SDK could not read (a proxy's HTML error page, a load
 * balancer's 502) comes as a parser error whose message the SDK extends with a second line of advice for
 * programmers; the operator is told the HTTP status and the parser's first line instead.
 */
export function awsFailureReason(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const [firstLine = ''] = cause.message.split('\n');
  const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if ('$response' in cause && cause.message.includes('Deserialization error'))
    return `the service answered${status ? ` HTTP ${status}` : ''} with something that is not an AWS answer (${firstLine})`;
  return `${cause.name}: ${firstLine}`;
}

/**
 * An AWS call that failed, named with the resource it was about: exit status 1. Retriable when AWS said "slow
 * down" (its throttling errors), which the call's own backoff may outlast.
 */
export class AwsCallError extends TickstreamError {
  override readonly name = 'AwsCallError';
  constructor(
    readonly call: string,
    readonly resource: string,
    cause: unknown,
  ) {
    super(`${call} on ${resource} failed: ${awsFailureReason(cause)}`, {
      cause,
      retriable: isThrottling(cause),
    });
  }
}

/** The operation ran but ended badly (a failed execution, a failed query): exit status 1. */
export class OperationFailedError extends TickstreamError {
  override readonly name = 'OperationFailedError';
}

// The throttling errors AWS services answer with (not every service models them as throttling for the SDK's
// retry classification); the SDK's own retries may run out under a burst of calls.
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/** Whether an AWS error says "slow down" rather than "no". */
export function isThrottling(error: unknown): boolean {
  return error instanceof Error && THROTTLING.has(error.name);
}

/**
 * Makes one AWS call, retrying throttling errors with exponential backoff (`attempts` in all); any other error,
 * or throttling past the budget, is thrown as an AwsCallError naming the call and the resource.
 */
export async function callAws<T>(params: {
  call: string;
  resource: string;
  send: () => Promise<T>;
  attempts?: number;
  backoffMs?: number;
  wait?: (ms: number) => Promise<void>;
}): Promise<T> {
  const { call, resource, send, attempts = 5, backoffMs = 500, wait = sleep } = params;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const failure = new AwsCallError(call, resource, error);
      if (!failure.retriable || attempt >= attempts) throw failure;
      await wait(backoffMs * 2 ** (attempt - 1));
    }
  }
}
