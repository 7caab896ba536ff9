/** Raised when a function's input is malformed; nothing has been published when it is thrown. */
export class InvalidRequestError extends Error {
  constructor(what: string, reason: string) {
    super(`invalid ${what}: ${reason}`);
    this.name = 'InvalidRequestError';
  }
}
