/**
 * Stops the broker and the Trino server the integration set-up started (by their PIDs), side by side. The run is
 * over and their data is scratch: each gets 3 s to shut down before it is killed, so that jest ends within its
 * deadline after the summary even on a loaded machine (where a graceful shutdown can take longer).
 */
export default async function teardown(): Promise<void> {
  const stop = { graceMs: 3_000 };
  await Promise.all([
    globalThis.tickstreamTestBroker?.stop(stop),
    globalThis.tickstreamTestTrino?.stop(stop),
  ]);
  globalThis.tickstreamTestBroker = undefined;
  globalThis.tickstreamTestTrino = undefined;
}
