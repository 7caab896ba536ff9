import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KafkaAuth } from '../../../lib/kafka/client';
import { CACHE_DIR } from '../../support/cache';
import { freePorts, stopProcess, waitForPort } from '../../support/processes';
import type { LocalService } from '../service';
import { localKafkaClient } from './client';
import { ensureKafkaJars, KAFKA_VERSION } from './jars';
import {
  brokerProperties,
  type ClusterShape,
  clusterShape,
  initialControllersFormat,
  LOG4J,
  newClusterId,
  newDirectoryId,
  type ScramUser,
} from './properties';
import { createLocalCertificates } from './tls';

const run = promisify(execFile);

/** How a kafkajs client reaches the broker: its address and, for SASL_SSL, the CA to trust and a SCRAM user. */
export interface BrokerConnection extends KafkaAuth {
  brokers: string[];
}

/** One KRaft node (broker and controller in one JVM) of a local cluster. */
export interface BrokerNode {
  nodeId: number;
  /** `127.0.0.1:<port>`, its client listener. */
  address: string;
  /** The running JVM's process ID (a new one after `restart`). */
  readonly pid: number;
  /** Its log file. */
  logFile: string;
  /** Kills the node at once (SIGKILL), as a host that loses power: no controlled shutdown, no leader hand-over. */
  kill(): void;
  /** Starts the node again on its own storage, resolving once it listens (its logs are recovered first). */
  restart(): Promise<void>;
}

export interface RunningBroker extends LocalService {
  brokers: string[];
  /** What a client passes to kafkajs to connect (with the first client user, when SASL_SSL). */
  connection: BrokerConnection;
  /** The first node's process ID (its current one, after a restart too). */
  readonly pid: number;
  /** Every node, in node-id order. */
  nodes: BrokerNode[];
  /** Replication factor and min.insync.replicas the nodes are set up for (clusterShape). */
  shape: ClusterShape;
  workDir: string;
  stop(options?: { graceMs?: number }): Promise<void>;
}

const JVM_OPTIONS = ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20'];

/**
 * Formats KRaft storage in `workDir` and starts the broker, or with `nodes: 3` a three-node KRaft cluster (each
 * node broker and controller, a quorum of three, topics replicated three times with min.insync.replicas=2), on
 * 127.0.0.1, resolving once every node serves requests. All nodes share one cluster id, one CA and certificate
 * and the same SCRAM users. `detached` lets it outlive this process (for `npm run kafka:start`).
 */
export async function startBroker(
  params: {
    workDir?: string;
    /** The first node's client port (the others get free ones). */
    port?: number;
    controllerPort?: number;
    partitions?: number;
    /** 1 (default) or 3. */
    nodes?: number;
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
  const shape = clusterShape(params.nodes ?? 1);
  const libs = await ensureKafkaJars();
  const workDir = params.workDir ?? join(CACHE_DIR, 'kafka-run', `broker-${process.pid}-${Date.now()}`);
  const nodeIds = Array.from({ length: shape.nodes }, (_, index) => index + 1);
  const chosen = await freePorts(2 * shape.nodes);
  const ports = nodeIds.map((id) => ({
    id,
    port: id === 1 && params.port ? params.port : (chosen[2 * id - 2] as number),
    controllerPort:
      id === 1 && params.controllerPort ? params.controllerPort : (chosen[2 * id - 1] as number),
  }));
  rmSync(workDir, { recursive: true, force: true });
  // The folder holds the SCRAM passwords (server.properties) and the TLS stores: this user's only.
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const log4jFile = join(workDir, 'log4j.properties');
  writeFileSync(log4jFile, LOG4J);
  const secure = params.security === 'sasl_ssl';
  const password = () => randomBytes(18).toString('base64url');
  const brokerUser: ScramUser = { username: 'broker', password: password() };
  const users = params.users ?? [{ username: 'tickstream', password: password() }];
  // One CA and one certificate (SAN 127.0.0.1) for every node: what a client trusts is the cluster's CA.
  const security = secure
    ? { certificates: await createLocalCertificates({ dir: join(workDir, 'tls') }), broker: brokerUser }
    : undefined;
  const clusterId = newClusterId();
  const javaArgs = ['-cp', `${libs}/*`, `-Dlog4j.configuration=file:${log4jFile}`];
  const voters = ports.map(({ id, controllerPort }) => ({
    nodeId: id,
    host: '127.0.0.1',
    port: controllerPort,
    directoryId: newDirectoryId(),
  }));

  const nodeFolder = (id: number) => (shape.nodes === 1 ? workDir : join(workDir, `node-${id}`));
  const propertiesFiles = new Map<number, string>();
  await Promise.all(
    ports.map(async ({ id, port, controllerPort }) => {
      const folder = nodeFolder(id);
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const propertiesFile = join(folder, 'server.properties');
      propertiesFiles.set(id, propertiesFile);
      writeFileSync(
        propertiesFile,
        brokerProperties({
          nodeId: id,
          port,
          controllerPort,
          voters,
          logDir: join(folder, 'data'),
          partitions: params.partitions ?? 3,
          shape,
          security,
        }),
        { mode: 0o600 },
      );
      // The SCRAM users are created at format (KIP-900) with `--add-scram`, whose only form is an argument holding
      // the password. The arguments go in a Java argument file (mode 0600, removed once the format ran), so no
      // password stands on a process command line.
      const formatArgs = join(folder, 'format.args');
      writeFileSync(
        formatArgs,
        [
          ...javaArgs,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          clusterId,
          '-c',
          propertiesFile,
          ...initialControllersFormat(voters),
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
    }),
  );

  const launch = (id: number, logFile: string): ChildProcess => {
    const out = openSync(logFile, 'a');
    const child = spawn(
      'java',
      [...JVM_OPTIONS, ...javaArgs, 'kafka.Kafka', propertiesFiles.get(id) as string],
      {
        detached: params.detached ?? false,
        stdio: ['ignore', out, out],
      },
    );
    if (params.detached) child.unref();
    if (child.pid === undefined) throw new Error('could not start java for Kafka');
    return child;
  };
  const children = new Map<number, ChildProcess>();
  const logFileOf = (id: number) => join(nodeFolder(id), 'broker.log');
  const startNode = async (id: number, port: number) => {
    const logFile = logFileOf(id);
    const child = launch(id, logFile);
    children.set(id, child);
    await waitForPort({ port, timeoutMs: 60_000, process: child, logFile });
  };
  const nodes: BrokerNode[] = ports.map(({ id, port }) => ({
    nodeId: id,
    address: `127.0.0.1:${port}`,
    logFile: logFileOf(id),
    get pid() {
      return children.get(id)?.pid as number;
    },
    kill: () => {
      children.get(id)?.kill('SIGKILL');
    },
    restart: () => startNode(id, port),
  }));
  // A broker this process started dies with it (a crash, process.exit, a signal handler that exits), unless it
  // was started to outlive it (`detached`).
  const killOnExit = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  if (!params.detached) process.once('exit', killOnExit);
  const stopNodes = async (graceMs?: number) => {
    // The exit handler stays until every node has exited: a process that exits while a node is still shutting
    // down (a signal handler's own deadline) kills it instead of leaving it behind.
    await Promise.all([...children.values()].map((child) => stopProcess(child.pid as number, graceMs)));
    process.removeListener('exit', killOnExit);
  };
  try {
    // A quorum of three elects its leader once two controllers see each other: the nodes start side by side.
    await Promise.all(ports.map(({ id, port }) => startNode(id, port)));
  } catch (error) {
    killOnExit();
    process.removeListener('exit', killOnExit);
    throw error;
  }
  const stop = async (options: { graceMs?: number } = {}) => {
    await stopNodes(options.graceMs);
    if (params.removeOnStop) rmSync(workDir, { recursive: true, force: true });
  };
  const brokers = nodes.map((node) => node.address);
  const [client] = users;
  const connection: BrokerConnection =
    security && client
      ? {
          brokers,
          ssl: { ca: [security.certificates.caPem] },
          sasl: { mechanism: 'scram-sha-512', username: client.username, password: client.password },
        }
      : { brokers };
  return {
    description: `Kafka ${KAFKA_VERSION} at ${brokers.join(',')} (${security ? 'SASL_SSL, SCRAM-SHA-512' : 'plaintext'}${nodes.length > 1 ? `, ${nodes.length} nodes` : ''})`,
    async health() {
      // Every node registered with the cluster, as a client signed in like the producers sees it.
      const { brokers: _, ...auth } = connection;
      const admin = localKafkaClient({
        clientId: 'tickstream-health',
        brokers,
        auth,
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length !== nodes.length)
          throw new Error(`${cluster.brokers.length} of ${nodes.length} Kafka nodes are registered`);
      } finally {
        await admin.disconnect();
      }
    },
    brokers,
    connection,
    get pid() {
      return nodes[0]?.pid as number;
    },
    nodes,
    shape,
    workDir,
    stop,
  };
}
