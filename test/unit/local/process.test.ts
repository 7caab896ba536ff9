import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isAlive, processState } from '../../../local/support/processes';
import { SPAWNS_A_PROCESS_MS, waitUntil } from '../../support/wait';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/**
 * A process that has a zombie child: Python forks a child that exits at once and then sleeps without ever
 * collecting its status (Python, unlike bash, never reaps a child by itself, so the child is certain to stay a
 * zombie). Resolves with both PIDs once the child is a zombie.
 */
async function parentOfZombie(): Promise<{ parent: number; zombie: number }> {
  const script =
    'import os, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)';
  const child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  const zombie = await new Promise<number>((resolvePid, failed) => {
    child.stdout?.once('data', (data: Buffer) => resolvePid(Number(data.toString().trim())));
    child.once('exit', (code) => failed(new Error(`python3 exited (${code}) before forking its child`)));
  });
  await waitUntil(`process ${zombie} to become a zombie`, () => processState(zombie) === 'Z', {
    timeoutMs: 5_000,
    intervalMs: 20,
  });
  return { parent: child.pid as number, zombie };
}

describe('isAlive', () => {
  it(
    'is true for a running process and false for a zombie, which has exited though signal 0 still finds it',
    async () => {
      const { parent, zombie } = await parentOfZombie();
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isAlive(parent)).toBe(true);
      expect(isAlive(zombie)).toBe(false);
    },
    SPAWNS_A_PROCESS_MS,
  );

  it(
    'is false once a process has exited and been collected',
    async () => {
      const child = spawn('true');
      await new Promise((exited) => child.once('exit', exited));
      // Node collects its own children's status: the PID is gone.
      expect(processState(child.pid as number)).toBeUndefined();
      expect(isAlive(child.pid as number)).toBe(false);
    },
    SPAWNS_A_PROCESS_MS,
  );
});
