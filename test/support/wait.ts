/**
 * Waits until `condition` holds, checking every `intervalMs`, and fails naming `what` once `timeoutMs` has passed:
 * a test waits for something with a deadline of its own, so a condition that never comes fails the test instead of
 * keeping jest's process alive after the test has timed out.
 */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs, intervalMs = 50 }: { timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * The time a test that starts a process is given: far above what it needs on a quiet machine (well under a second),
 * so that a machine busy with other work slows it down without failing it. Jest's 5 s default is for tests that only
 * compute.
 */
export const SPAWNS_A_PROCESS_MS = 30_000;
