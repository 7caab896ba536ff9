import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the local Trino server', () => {
  it('does not outlive the process that started it, even one that exits without stopping it', async () => {
    const workDir = join(mkdtempSync(join(tmpdir(), 'trino-orphan-')), 'server');
    const { stdout } = await run(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', '--import', 'tsx', 'test/fixtures/trino-orphan.ts', workDir],
      { cwd: ROOT, timeout: 240_000 },
    );
    const pid = Number(stdout.trim());
    expect(pid).toBeGreaterThan(0);
    // SIGKILL on the parent's exit: gone at once, give the kernel a moment to reap it.
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  }, 300_000);
});
