/** Stops the broker the integration set-up started. */
export default async function teardown(): Promise<void> {
  await globalThis.tickstreamTestBroker?.stop();
  globalThis.tickstreamTestBroker = undefined;
}
