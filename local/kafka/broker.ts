import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KafkaAuth } from '../../lib/kafka/client';
import { CACHE_DIR, ensureKafkaJars } from './jars';
import { freePort, stopProcess, waitForPort } from './process';
import { brokerProperties, LOG4J, newClusterId, type ScramUser } from './properties';
import { createLocalCertificates } from './tls';

const run = promisify(execFile);

/** How a kafkajs client reaches the broker: its address and, for SASL_SSL, the CA to trust and a SCRAM user. */
export interface BrokerConnection extends KafkaAuth {
  brokers: string[];
}

export interface RunningBroker {
  brokers: string[];
  /** What a client passes to kafkajs to connect (with the first client user, when SASL_SSL). */
  connection: BrokerConnection;
  pid: number;
  workDir: string;
  stop(): Promise<void>;
}

/**
 * Formats KRaft storage in `workDir` and starts the broker, resolving once it serves requests.
 * `detached` lets it outlive this process (for `npm run kafka:start`).
 */
export async function startBroker(
  params: {
    workDir?: string;
    port?: number;
    controllerPort?: number;
    partitions?: number;
    detached?: boolean;
    /** Delete the work folder (logs and data) once stopped. */
    removeOnStop?: boolean;
    /**
     * `sasl_ssl`: TLS with a private CA made by keytool for this run, SCRAM-SHA-512 only, the `users` (or one
     * generated `tickstream` user) created when the storage is formatted. Default `plaintext`.
     */
    security?: 'plaintext' | 'sasl_ssl';
    users?: ScramUser[];
  } = {},
): Promise<RunningBroker> {
  const libs = await ensureKafkaJars();
  const workDir = params.workDir ?? join(CACHE_DIR, 'kafka-run', `broker-${process.pid}-${Date.now()}`);
  const port = params.port ?? (await freePort());
  const controllerPort = params.controllerPort ?? (await freePort());
  const logDir = join(workDir, 'data');
  rmSync(workDir, { recursive: true, force: true });
  // The folder holds the SCRAM passwords (server.properties) and the TLS stores: this user's only.
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const propertiesFile = join(workDir, 'server.properties');
  const log4jFile = join(workDir, 'log4j.properties');
  const secure = params.security === 'sasl_ssl';
  const password = () => randomBytes(18).toString('base64url');
  const brokerUser: ScramUser = { username: 'broker', password: password() };
  const users = params.users ?? [{ username: 'tickstream', password: password() }];
  const security = secure
    ? { certificates: await createLocalCertificates({ dir: join(workDir, 'tls') }), broker: brokerUser }
    : undefined;
  writeFileSync(
    propertiesFile,
    brokerProperties({ port, controllerPort, logDir, partitions: params.partitions ?? 3, security }),
    { mode: 0o600 },
  );
  writeFileSync(log4jFile, LOG4J);
  const javaArgs = ['-cp', `${libs}/*`, `-Dlog4j.configuration=file:${log4jFile}`];
  // The SCRAM users are created at format (KIP-900) with `--add-scram`, whose only form is an argument holding the
  // password. The arguments go in a Java argument file (mode 0600, removed once the format ran), so no password
  // stands on a process command line.
  const formatArgs = join(workDir, 'format.args');
  writeFileSync(
    formatArgs,
    [
      ...javaArgs,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      newClusterId(),
      '-c',
      propertiesFile,
      ...(secure
        ? [brokerUser, ...users].flatMap((user) => [
            '--add-scram',
            `SCRAM-SHA-512=[name=${user.username},password=${user.password}]`,
          ])
        : []),
    ]
      .map((arg) => JSON.stringify(arg))
      .join('\n'),
    { mode: 0o600 },
  );
  try {
    await run('java', [`@${formatArgs}`]);
  } finally {
    rmSync(formatArgs, { force: true });
  }

  const logFile = join(workDir, 'broker.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    'java',
    [
      '-Xms256m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      ...javaArgs,
      'kafka.Kafka',
      propertiesFile,
    ],
    { detached: params.detached ?? false, stdio: ['ignore', out, out] },
  );
  if (params.detached) child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start java for Kafka');
  try {
    await waitForPort({ port, timeoutMs: 60_000, process: child, logFile });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const stop = async () => {
    await stopProcess(pid);
    if (params.removeOnStop) rmSync(workDir, { recursive: true, force: true });
  };
  const brokers = [`127.0.0.1:${port}`];
  const [client] = users;
  const connection: BrokerConnection =
    security && client
      ? {
          brokers,
          ssl: { ca: [security.certificates.caPem] },
          sasl: { mechanism: 'scram-sha-512', username: client.username, password: client.password },
        }
      : { brokers };
  return { brokers, connection, pid, workDir, stop };
}
