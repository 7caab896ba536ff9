import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = resolve(__dirname, '..', '..', '..');

/** Runs jest, with the project's summary reporter, on one of the fixtures that leave a timer behind. */
function runLeakyJest(fixture: string): Promise<{
  code: number | null;
  stdout: string;
  stderr: string;
  afterSummaryMs: number;
}> {
  const config = {
    rootDir: ROOT,
    testMatch: [`<rootDir>/test/fixtures/jest-leak/${fixture}`],
    transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' } } }] },
    reporters: ['<rootDir>/test/support/summary-reporter.js'],
  };
  const child = spawn(
    process.execPath,
    [resolve(ROOT, 'node_modules', '.bin', 'jest'), '--config', JSON.stringify(config), '--runInBand'],
    // A deadline of 1 s instead of 10: the same code path, without the wait.
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
      env: { ...process.env, TEST_EXIT_DEADLINE_MS: '1000' },
    },
  );
  let stdout = '';
  let stderr = '';
  let summaryAt: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (summaryAt === undefined && /\d+ passed, \d+ failed/.test(stdout)) summaryAt = Date.now();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((done) =>
    child.on('exit', (code) =>
      done({ code, stdout, stderr, afterSummaryMs: Date.now() - (summaryAt ?? Date.now()) }),
    ),
  );
}

describe('the summary reporter', () => {
  it('ends a failed run that left a timer behind at its deadline after the summary, with a failing status, naming what was open', async () => {
    const run = await runLeakyJest('leaves-a-timer.spec.ts');
    expect(run.stdout).toContain('0 passed, 1 failed, 0 skipped');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/jest was still running 1 s after its summary \(still open: .*\): ending it/);
    expect(run.afterSummaryMs).toBeLessThan(5_000);
  }, 60_000);

  it('ends a passing run that left a timer behind with a passing status', async () => {
    const run = await runLeakyJest('passes-and-leaves-a-timer.spec.ts');
    expect(run.stdout).toContain('1 passed, 0 failed, 0 skipped');
    expect(run.stderr).toMatch(/jest was still running 1 s after its summary/);
    expect(run.code).toBe(0);
  }, 60_000);
});
