import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KafkaAuth } from '../../lib/kafka/client';
import { sleep } from '../../lib/shared/time';
import { localKafkaClient } from './client';
import { createLocalCertificates, type LocalCertificates } from './tls';

/**
 * A real single-node Apache Kafka broker (KRaft, broker + controller in one JVM) run from Maven Central jars.
 * 3.9.x is the last 3.x line: kafkajs 2.2.4 was never tested upstream against 4.x, and 4.x drops the
 * older protocol versions some of its requests start from.
 */
export const KAFKA_VERSION = '3.9.2';

const run = promisify(execFile);
const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const CACHE_DIR = join(PROJECT_ROOT, '.cache');
const POM = join(__dirname, 'pom.xml');

/** Folder holding the broker's classpath; filled once by Maven, then reused. */
export function jarDirectory(version = KAFKA_VERSION): string {
  return join(CACHE_DIR, `kafka-${version}`, 'libs');
}

/** Fetches the Kafka jars with Maven into the cache unless a previous fetch completed. */
export async function ensureKafkaJars(version = KAFKA_VERSION): Promise<string> {
  const libs = jarDirectory(version);
  const marker = join(libs, '.complete');
  // The marker holds the pom's hash: a changed pom fetches again.
  const pomHash = createHash('sha256').update(readFileSync(POM)).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === pomHash) return libs;
  mkdirSync(libs, { recursive: true });
  await run(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      POM,
      `-Dkafka.version=${version}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libs}`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(
      `fetching Kafka ${version} jars with Maven failed: ${error.stdout ?? ''}${error.stderr ?? error.message}`,
    );
  });
  writeFileSync(marker, pomHash);
  return libs;
}

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

/** What a SASL_SSL listener needs: the TLS stores and the broker's own SCRAM user for its inter-broker client. */
export interface ListenerSecurity {
  certificates: LocalCertificates;
  broker: ScramUser;
}

/** A SCRAM-SHA-512 user, created in the KRaft metadata when the storage is formatted (KIP-900). */
export interface ScramUser {
  username: string;
  password: string;
}

/**
 * The server.properties of a single-node KRaft broker listening on 127.0.0.1 only: PLAINTEXT, or with
 * `security` SASL_SSL with SCRAM-SHA-512 only (what Lambda's Kafka event source mapping supports). The controller
 * listener stays on the loopback interface in plaintext: it is the broker talking to itself.
 */
export function brokerProperties(params: {
  port: number;
  controllerPort: number;
  logDir: string;
  partitions: number;
  advertisedHost?: string;
  security?: ListenerSecurity;
}): string {
  const { port, controllerPort, logDir, partitions, advertisedHost = '127.0.0.1', security } = params;
  const listener = security ? 'SASL_SSL' : 'PLAINTEXT';
  const jaas = (user: ScramUser) =>
    `org.apache.kafka.common.security.scram.ScramLoginModule required username=${JSON.stringify(user.username)} password=${JSON.stringify(user.password)};`;
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=${listener}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=${listener}://${advertisedHost}:${port}`,
    `listener.security.protocol.map=${listener}:${listener},CONTROLLER:PLAINTEXT`,
    `inter.broker.listener.name=${listener}`,
    'controller.listener.names=CONTROLLER',
    ...(security
      ? [
          'sasl.enabled.mechanisms=SCRAM-SHA-512',
          'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
          `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas(security.broker)}`,
          'ssl.keystore.type=PKCS12',
          `ssl.keystore.location=${security.certificates.keystore}`,
          `ssl.keystore.password=${security.certificates.storePassword}`,
          `ssl.key.password=${security.certificates.storePassword}`,
          'ssl.truststore.type=PKCS12',
          `ssl.truststore.location=${security.certificates.truststore}`,
          `ssl.truststore.password=${security.certificates.storePassword}`,
        ]
      : []),
    `log.dirs=${logDir}`,
    `num.partitions=${partitions}`,
    // Producers must name an existing topic: a typo fails loudly instead of creating a stray topic.
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=24',
  ].join('\n')}\n`;
}

const LOG4J = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
`;

/** A cluster id: 16 random bytes, base64url without padding, never starting with '-'. */
export function newClusterId(): string {
  const id = randomBytes(16).toString('base64url');
  return id.startsWith('-') ? `A${id.slice(1)}` : id;
}

function waitForPort(params: { port: number; timeoutMs: number; process: ChildProcess; logFile: string }) {
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

function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

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

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopProcess(pid: number, graceMs = 30_000): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(pid, 'SIGKILL');
}

/** Whether kafkajs says a failed call may succeed if repeated (a fresh broker's transient states). */
function isRetriable(error: unknown): boolean {
  for (
    let cause = error as { retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
    cause;
  ) {
    if (cause.retriable === true) return true;
    cause = (cause.originalError ?? cause.cause) as typeof cause;
  }
  return false;
}

/**
 * Repeats `check` while it fails with a retriable Kafka error, every 200 ms, for at most `timeoutMs`; any
 * other error, or the last retriable one past the budget, is thrown.
 */
export async function untilReady<T>(what: string, check: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (Date.now() >= deadline)
        throw new Error(`Kafka was not ready within ${timeoutMs} ms: ${what}: ${(error as Error).message}`, {
          cause: error,
        });
      await sleep(200);
    }
  }
}

/**
 * Creates the topic with the given partitions unless it exists, then waits until the broker can serve it: every
 * partition has a leader that answers offset requests, and the group coordinator answers (a fresh broker first
 * says "not the leader" and "the coordinator is loading"). Transient states are waited out for at most
 * `timeoutMs`, never reported as errors.
 */
export async function ensureTopic(params: {
  brokers: string[];
  auth?: KafkaAuth | undefined;
  topic: string;
  partitions: number;
  timeoutMs?: number;
}): Promise<void> {
  const { topic, timeoutMs = 60_000 } = params;
  const admin = localKafkaClient({
    clientId: 'tickstream-local-admin',
    brokers: params.brokers,
    auth: params.auth,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
  }).admin();
  await admin.connect();
  try {
    const existing = await untilReady('list topics', () => admin.listTopics(), timeoutMs);
    if (!existing.includes(topic)) {
      await untilReady(
        `create topic ${topic}`,
        () =>
          admin.createTopics({
            topics: [{ topic, numPartitions: params.partitions, replicationFactor: 1 }],
            waitForLeaders: true,
          }),
        timeoutMs,
      );
    }
    await untilReady(
      `leaders of ${topic}`,
      async () => {
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        const leaderless = (metadata.topics[0]?.partitions ?? []).filter((partition) => partition.leader < 0);
        if (leaderless.length > 0)
          throw Object.assign(
            new Error(`partitions ${leaderless.map((p) => p.partitionId)} have no leader`),
            {
              retriable: true,
            },
          );
        // Offset requests go to each partition's leader: the call that failed on a fresh broker.
        await admin.fetchTopicOffsets(topic);
      },
      timeoutMs,
    );
    // Committed offsets go through the group coordinator, which loads its topic after start-up.
    await untilReady(
      'the group coordinator',
      () => admin.fetchOffsets({ groupId: 'tickstream-readiness-probe', topics: [topic] }),
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}
