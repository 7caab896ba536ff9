/**
 * `npm run pipeline` stopped with a signal (a `kill`, a closed terminal) must not leave its Kafka brokers behind:
 * they are JVMs of its own, which a signal to the Node process alone does not reach.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { isAlive } from '../../local/support/processes';
import { commandLine, descendants } from '../support/processes';

const ROOT = resolve(__dirname, '..', '..');

describe('npm run pipeline stopped by a signal', () => {
  it('stops its three brokers on SIGTERM, says so, and exits 143', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tickstream-pipeline-signal-'));
    // Its own brokers (no KAFKA_BROKERS): three of them; the test run's Trino (TRINO_URL) as the local Athena.
    const env = { ...process.env };
    delete env.KAFKA_BROKERS;
    const child = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        '--import',
        'tsx',
        'local/pipeline/main.ts',
        '--brokers',
        '3',
        '--minutes',
        '60',
        '--out',
        out,
      ],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Once the stack is up and the window is being published.
    await new Promise<void>((started, failed) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/publish/.test(stderr.split('stack:')[1] ?? '')) started();
      });
      void exited.then((code) =>
        failed(new Error(`the pipeline ended (${code}) before publishing:\n${stderr}`)),
      );
    });
    // The JVMs' command lines say kafka.Kafka.
    const brokers = descendants(child.pid as number).filter((pid) =>
      commandLine(pid).includes('kafka.Kafka'),
    );
    expect(brokers).toHaveLength(3);

    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toContain('pipeline: stopped by SIGTERM; stopping the local stack');
    const deadline = Date.now() + 10_000;
    while (brokers.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(brokers.filter(isAlive)).toEqual([]);
  }, 240_000);
});
