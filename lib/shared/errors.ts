/**
 * The base of every error tickstream raises. Its `name` is the subclass's own (logs, Step Functions `Catch`
 * rules and the CLI's exit codes match on it) and its `cause` is always kept, so a log shows the whole chain.
 */
export class TickstreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Each subclass names itself explicitly, not with `new.target.name`: a bundler that renames classes must not
    // rename errors.
    this.name = 'TickstreamError';
  }
}

/** Raised when a function's input is malformed; nothing has been published when it is thrown. */
export class InvalidRequestError extends TickstreamError {
  override name = 'InvalidRequestError';
  constructor(what: string, reason: string, options?: { cause?: unknown }) {
    super(`invalid ${what}: ${reason}`, options);
  }
}
