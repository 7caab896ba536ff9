import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isAlive, processState } from '../../../local/kafka/process';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/**
 * A process that has a zombie child: bash starts `true` in the background and becomes `sleep`, which never collects
 * its child's status. Resolves with both PIDs once the child is a zombie.
 */
async function parentOfZombie(): Promise<{ parent: number; zombie: number }> {
  const child = spawn('bash', ['-c', 'true & echo $!; exec sleep 30'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  started.push(child);
  const zombie = await new Promise<number>((resolvePid) =>
    child.stdout?.once('data', (data: Buffer) => resolvePid(Number(data.toString().trim()))),
  );
  while (processState(zombie) !== 'Z') await new Promise((r) => setTimeout(r, 20));
  return { parent: child.pid as number, zombie };
}

describe('isAlive', () => {
  it('is true for a running process and false for a zombie, which has exited though signal 0 still finds it', async () => {
    const { parent, zombie } = await parentOfZombie();
    expect(() => process.kill(zombie, 0)).not.toThrow();
    expect(isAlive(parent)).toBe(true);
    expect(isAlive(zombie)).toBe(false);
  });

  it('is false once a process has exited and been collected', async () => {
    const child = spawn('true');
    await new Promise((exited) => child.once('exit', exited));
    // Node collects its own children's status: the PID is gone.
    expect(processState(child.pid as number)).toBeUndefined();
    expect(isAlive(child.pid as number)).toBe(false);
  });
});
