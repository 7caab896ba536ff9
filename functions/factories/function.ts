import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';

/** A function built from its config: the Lambda handler, and how to release what it holds open. */
export interface BuiltFunction {
  handler: (event: unknown, context: Context) => Promise<unknown>;
  /** Closes connections the handler keeps between invocations; for the local stack and tests, never on Lambda. */
  close(): Promise<void>;
}

/**
 * A handler whose event its `parsedEvent` middleware checks, as Lambda and the local stack call it: with any event.
 * middy types a handler by the event its function body receives (the parsed one); the middleware is what turns
 * whatever arrives into that, so the built function takes `unknown`.
 */
export function takingAnyEvent<TEvent, TResult>(
  handler: MiddyfiedHandler<TEvent, TResult>,
): BuiltFunction['handler'] {
  return handler as unknown as BuiltFunction['handler'];
}

/** What every factory may be given instead of building it: the function's logger (its level and where it writes). */
export interface CommonCollaborators {
  logger?: Logger;
}
