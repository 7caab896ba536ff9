/** Stops the broker and the Trino server the integration set-up started (by their PIDs). */
export default async function teardown(): Promise<void> {
  await Promise.all([globalThis.tickstreamTestBroker?.stop(), globalThis.tickstreamTestTrino?.stop()]);
  globalThis.tickstreamTestBroker = undefined;
  globalThis.tickstreamTestTrino = undefined;
}
