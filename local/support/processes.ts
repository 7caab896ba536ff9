import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A TCP port nobody listens on right now, chosen by the OS. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/**
 * `count` different TCP ports nobody listens on right now, chosen by the OS. Each is held until all are chosen: a
 * port released before the next is asked for can be handed out again, and two listeners given the same port
 * would leave one of them unable to start.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolvePort, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => {
              const address = server.address();
              typeof address === 'object' && address
                ? resolvePort(address.port)
                : reject(new Error('no port'));
            });
          }),
      ),
    );
  } finally {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((closed) => (server.listening ? server.close(() => closed()) : closed())),
      ),
    );
  }
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

/**
 * Whether a process with this PID is still running: it exists (signal 0 checks without sending anything) and is
 * not a zombie. A process that has exited stays a zombie until its parent collects its status; an orphan's parent
 * is init, which may take seconds to do it, and signal 0 still finds it meanwhile.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // Where there is no /proc the state is unknown: signal 0 decides.
  return processState(pid) !== 'Z';
}

/**
 * The process's state letter from /proc/<pid>/stat (`R` running, `S` sleeping, `Z` zombie…), or undefined where it
 * cannot be read (the process is gone, or there is no /proc).
 */
export function processState(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "<pid> (<command, which may hold spaces and parentheses>) <state> …"
  return stat.charAt(stat.lastIndexOf(')') + 2);
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
