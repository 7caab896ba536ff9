import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import { parseRequest } from './request';

/**
 * Closes a connection after each invocation when asked to. On Lambda the connection is kept for the next
 * invocation; `sls invoke local` only returns once nothing holds the event loop open.
 */
export function closeAfterInvocation(params: {
  enabled: boolean;
  close: () => Promise<void>;
}): MiddlewareObj {
  const close = async () => {
    if (params.enabled) await params.close();
  };
  return { after: close, onError: close };
}

/**
 * Every function's event check, in one place and one way: the event is parsed with the function's zod schema
 * before the handler runs, and the handler gets the parsed value. A malformed event fails with an
 * `InvalidRequestError` naming `what` and every problem (`invalid planReports request: startTime: …`) before
 * anything is read, published or written.
 */
export function parsedEvent<S extends z.ZodType>(schema: S, what: string): MiddlewareObj<z.output<S>> {
  return {
    before: (request) => {
      request.event = parseRequest(schema, what, request.event);
    },
  };
}
