import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, stopProcess, tail } from '../../support/processes';
import type { LocalService } from '../service';
import { createTrinoClient, type TrinoClient } from './client';
import { ensureTrino, TRINO_VERSION } from './distribution';
import { findTrinoJava } from './java';

/** A Trino server this process started: its URL, its PID (stopped by that PID only) and a client. */
export interface RunningTrino extends LocalService {
  url: string;
  pid: number;
  client: TrinoClient;
  logFile: string;
  stop(options?: { graceMs?: number }): Promise<void>;
}

/** A start slower than this fails with the log's tail; measured starts here take 12–26 s (trino-local.md). */
const START_TIMEOUT_MS = 180_000;

/**
 * The server's configuration: one node that is coordinator and worker, catalogs created at run time (each local
 * stack makes its own Hive catalog over its own S3 endpoint and drops it when it stops), and no catalog kept on
 * disk. Memory limits leave the JVM's heap headroom (30% by default) free.
 */
function configure(params: { workDir: string; home: string; port: number; heap: string }) {
  const heapMb = /^(\d+)([GM])$/i.exec(params.heap);
  if (!heapMb) throw new RangeError(`Trino heap ${params.heap}: give it as <n>G or <n>M`);
  const queryMemoryMb = Math.floor((Number(heapMb[1]) * (heapMb[2]?.toUpperCase() === 'G' ? 1024 : 1)) / 2);
  const etc = join(params.workDir, 'etc');
  mkdirSync(etc, { recursive: true });
  const config = {
    coordinator: 'true',
    'node-scheduler.include-coordinator': 'true',
    'http-server.http.port': String(params.port),
    'discovery.uri': `http://127.0.0.1:${params.port}`,
    'catalog.management': 'dynamic',
    'catalog.store': 'memory',
    // Half the heap per query, leaving Trino's default 30% headroom and room for the server itself.
    'query.max-memory': `${queryMemoryMb}MB`,
    'query.max-memory-per-node': `${queryMemoryMb}MB`,
    'plugin.dir': join(params.home, 'plugin'),
    'node.environment': 'tickstream',
    'node.id': `tickstream-${process.pid}-${params.port}`,
    // Listens on the loopback interface only: the server has no authentication.
    'node.bind-ip': '127.0.0.1',
    'node.internal-address': '127.0.0.1',
  };
  writeFileSync(
    join(etc, 'config.properties'),
    `${Object.entries(config)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  );
  // Trino's own INFO lines (every plugin, every property) are for its log file; warnings and errors stay.
  writeFileSync(join(etc, 'log.properties'), 'io.trino=WARN\nio.airlift=WARN\n');
  return {
    etc,
    jvm: [
      '-server',
      `-Xmx${params.heap}`,
      '-XX:+UseG1GC',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djdk.attach.allowAttachSelf=true',
      // As Trino's own jvm.config for Java 24+ has it: its memory layout probe loads an agent. (Not
      // --enable-native-access: class data sharing refuses an archive when that module option is set.)
      '-XX:+EnableDynamicAgentLoading',
      '--sun-misc-unsafe-memory-access=allow',
      // Class data sharing: the first start writes an archive of the loaded classes next to the server, later
      // starts map it instead of loading and verifying every class again.
      '-XX:+AutoCreateSharedArchive',
      `-XX:SharedArchiveFile=${join(params.home, '..', `trino-${TRINO_VERSION}.jsa`)}`,
      '-Duser.timezone=UTC',
      '-Dfile.encoding=UTF-8',
    ],
  };
}

/**
 * Starts a Trino server (fetched into the cache on first use) on a free port of 127.0.0.1 and waits until it
 * runs queries. Its output goes to `logFile`. The JVM is the JDK {@link findTrinoJava} picks, for this process only.
 */
export async function startTrino(params: {
  workDir: string;
  logFile: string;
  heap?: string;
}): Promise<RunningTrino> {
  const [javaHome, home] = await Promise.all([findTrinoJava(), ensureTrino()]);
  const port = await freePort();
  rmSync(params.workDir, { recursive: true, force: true });
  mkdirSync(params.workDir, { recursive: true });
  const { etc, jvm } = configure({ workDir: params.workDir, home, port, heap: params.heap ?? '2G' });
  // The server resolves its secrets plugins from its working directory, as the launcher arranges it.
  symlinkSync(join(home, 'secrets-plugin'), join(params.workDir, 'secrets-plugin'));
  mkdirSync(join(params.logFile, '..'), { recursive: true });
  const log = openSync(params.logFile, 'w');
  const child = spawn(
    join(javaHome, 'bin', 'java'),
    [
      '-cp',
      `${join(home, 'lib')}/*`,
      ...jvm,
      `-Dlog.levels-file=${join(etc, 'log.properties')}`,
      `-Dconfig=${join(etc, 'config.properties')}`,
      'io.trino.server.TrinoServer',
    ],
    {
      cwd: params.workDir,
      env: { ...process.env, JAVA_HOME: javaHome },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Trino ${TRINO_VERSION} did not start; see ${params.logFile}`);
  const url = `http://127.0.0.1:${port}`;
  const client = createTrinoClient({ url });
  // A parent that exits without stopping the server (a crash, process.exit) takes it along: nothing of a run
  // is left listening. The handler is synchronous, as 'exit' handlers must be.
  const killOnExit = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killOnExit);
  const stop = async ({ graceMs = 20_000 }: { graceMs?: number } = {}) => {
    // The exit handler stays until the server has exited: a parent that exits meanwhile still takes it along.
    await stopProcess(pid, graceMs);
    process.removeListener('exit', killOnExit);
    // The work folder is scratch (configuration and spill): the log, outside it, stays.
    rmSync(params.workDir, { recursive: true, force: true });
  };
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(
        new Error(
          `Trino exited with code ${code} while starting; see ${params.logFile}:\n${tail(params.logFile)}`,
        ),
      ),
    ),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([client.waitUntilReady(START_TIMEOUT_MS), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    description: `Trino ${TRINO_VERSION} (the local Athena) at ${url}`,
    health: () => trinoHealth(client),
    url,
    pid,
    client,
    logFile: params.logFile,
    stop,
  };
}

/**
 * The Trino at `url` when one is given (TRINO_URL), else one started for the caller: its client, and `stop`, which
 * stops only a server started here.
 */
export async function useOrStartTrino(params: {
  url: string | undefined;
  workDir: string;
  logFile: string;
  heap?: string;
}): Promise<LocalService & { client: TrinoClient }> {
  if (!params.url) return startTrino(params);
  const client = createTrinoClient({ url: params.url });
  return {
    description: `Trino at ${params.url} (TRINO_URL)`,
    health: () => trinoHealth(client),
    client,
    // Given, not started here: left running.
    stop: async () => undefined,
  };
}

/** Trino answers a query. */
async function trinoHealth(client: TrinoClient): Promise<void> {
  const { rows } = await client.query('SELECT 1');
  if (rows[0]?.[0] !== 1)
    throw new Error(`Trino at ${client.url} answered SELECT 1 with ${JSON.stringify(rows)}`);
}
