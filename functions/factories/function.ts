import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

/** A function built from its config: the Lambda handler, and how to release what it holds open. */
export interface BuiltFunction {
  handler: (event: unknown, context: Context) => Promise<unknown>;
  /** Closes connections the handler keeps between invocations; for the local stack and tests, never on Lambda. */
  close(): Promise<void>;
}

/** What every factory may be given instead of building it: the function's logger (its level and where it writes). */
export interface CommonCollaborators {
  logger?: Logger;
}
