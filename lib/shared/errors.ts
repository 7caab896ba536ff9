/** What every tickstream error may be given besides its message. */
export interface TickstreamErrorOptions {
  /** The error underneath (an SDK's, kafkajs', a parser's): kept, so a log shows the whole chain. */
  cause?: unknown;
  /**
   * Whether doing the same again may succeed: a throttle, a timeout, a broker that moved, a write that failed.
   * False when only a change helps (a setting, the input, a key, a plan). Retry decisions read this flag, as
   * kafkajs' own errors carry one, rather than lists of names.
   */
  retriable?: boolean;
}

/**
 * The base of every error tickstream raises. Its `name` is the subclass's own (logs, Step Functions `Catch`
 * rules and the CLI's exit codes match on it), its `cause` is always kept, and `retriable` says whether trying
 * again can help.
 */
export class TickstreamError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: TickstreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Each subclass names itself explicitly, not with `new.target.name`: a bundler that renames classes must not
    // rename errors.
    this.name = 'TickstreamError';
    this.retriable = options.retriable ?? false;
  }
}

/** Whether retrying can help: a tickstream error's own flag; an error of unknown kind is not retried. */
export function isRetriable(error: unknown): boolean {
  return error instanceof TickstreamError && error.retriable;
}

/** Raised when a function's input is malformed; nothing has been published when it is thrown. */
export class InvalidRequestError extends TickstreamError {
  override name = 'InvalidRequestError';
  constructor(what: string, reason: string, options?: { cause?: unknown }) {
    super(`invalid ${what}: ${reason}`, options);
  }
}

/** An operation given a time limit did not finish within it; the same again may. */
export class DeadlineExceededError extends TickstreamError {
  override name = 'DeadlineExceededError';
  constructor(
    message: string,
    readonly deadlineMs: number,
  ) {
    super(message, { retriable: true });
  }
}
