import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { isAlive } from '../../local/support/processes';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');

/**
 * Runs test/fixtures/orphan.ts, which starts a server of `kind` and exits without stopping it; returns the PIDs it
 * started, once they are gone or 5 s have passed (SIGKILL on the parent's exit: the kernel reaps them at once).
 */
async function orphans(kind: 'trino' | 'kafka'): Promise<{ pids: number[]; alive: number[] }> {
  const scratch = mkdtempSync(join(tmpdir(), `${kind}-orphan-`));
  try {
    const { stdout } = await run(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        '--import',
        'tsx',
        'test/fixtures/orphan.ts',
        kind,
        join(scratch, 'server'),
      ],
      { cwd: ROOT, timeout: 240_000 },
    );
    const pids = stdout.trim().split('\n').map(Number);
    const deadline = Date.now() + 5_000;
    while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return { pids, alive: pids.filter(isAlive) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('the local servers do not outlive the process that started them, even one that exits without stopping them', () => {
  it('Trino', async () => {
    const { pids, alive: left } = await orphans('trino');
    expect(pids).toHaveLength(1);
    expect(pids[0]).toBeGreaterThan(0);
    expect(left).toEqual([]);
  }, 300_000);

  it('a three-node Kafka cluster', async () => {
    const { pids, alive: left } = await orphans('kafka');
    expect(pids).toHaveLength(3);
    expect(pids.every((pid) => pid > 0)).toBe(true);
    expect(left).toEqual([]);
  }, 300_000);
});
