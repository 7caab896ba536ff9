import type { MiddlewareObj } from '@middy/core';

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
