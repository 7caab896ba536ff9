import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A TCP port nobody listens on right now, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves once the process listens on `port`; rejects, with its log's tail, if it exits or the time runs out. */
export function waitForPort(params: {
  port: number;
  timeoutMs: number;
  process: ChildProcess;
  logFile: string;
}) {
  const deadline = Date.now() + params.timeoutMs;
  return new Promise<void>((resolveReady, reject) => {
    const attempt = () => {
      if (params.process.exitCode !== null) {
        reject(
          new Error(
            `Kafka exited with code ${params.process.exitCode}; see ${params.logFile}:\n${tail(params.logFile)}`,
          ),
        );
        return;
      }
      const socket = connect({ host: '127.0.0.1', port: params.port });
      socket.once('connect', () => {
        socket.destroy();
        resolveReady();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`Kafka did not open port ${params.port} within ${params.timeoutMs} ms`));
        else setTimeout(attempt, 250);
      });
    };
    attempt();
  });
}

/** The last lines of a log file, for an error message. */
export function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

/** Whether a process with this PID exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopProcess(pid: number, graceMs = 30_000): Promise<void> {
  const alive = () => isAlive(pid);
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(pid, 'SIGKILL');
}
