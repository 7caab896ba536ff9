import { randomBytes } from 'node:crypto';
import type { LocalCertificates } from './tls';

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
 * How many copies a cluster keeps of each partition and how many must have a write before it is acknowledged:
 * one node keeps one copy; three keep three and acknowledge acks=all writes once two have them, so one node may
 * be lost (or restarted) without a write refused or an acknowledged write lost.
 */
export interface ClusterShape {
  nodes: 1 | 3;
  replicationFactor: number;
  minInsyncReplicas: number;
}

/** The shape of a cluster of `nodes` nodes (1 or 3; anything else is refused). */
export function clusterShape(nodes: number): ClusterShape {
  if (nodes === 1) return { nodes, replicationFactor: 1, minInsyncReplicas: 1 };
  if (nodes === 3) return { nodes, replicationFactor: 3, minInsyncReplicas: 2 };
  throw new RangeError(`a local Kafka cluster has 1 or 3 nodes, not ${nodes}`);
}

/** A KRaft controller: node id and its controller listener. */
export interface Voter {
  nodeId: number;
  host: string;
  port: number;
}

/**
 * The server.properties of one KRaft node (broker and controller in one JVM) listening on 127.0.0.1 only:
 * PLAINTEXT, or with `security` SASL_SSL with SCRAM-SHA-512 only (what Lambda's Kafka event source mapping
 * supports). The controller listener stays on the loopback interface in plaintext. With three voters the
 * replication settings of `shape` apply to the topics and to Kafka's own (offsets, transactions), and a replica
 * that fell behind never becomes leader (unclean leader election off: it would drop acknowledged writes).
 */
export function brokerProperties(params: {
  port: number;
  controllerPort: number;
  logDir: string;
  partitions: number;
  nodeId?: number;
  /** Every controller of the quorum (default: this node alone). */
  voters?: Voter[];
  shape?: ClusterShape;
  advertisedHost?: string;
  security?: ListenerSecurity;
}): string {
  const { port, controllerPort, logDir, partitions, advertisedHost = '127.0.0.1', security } = params;
  const nodeId = params.nodeId ?? 1;
  const voters = params.voters ?? [{ nodeId, host: '127.0.0.1', port: controllerPort }];
  const shape = params.shape ?? clusterShape(1);
  const listener = security ? 'SASL_SSL' : 'PLAINTEXT';
  const jaas = (user: ScramUser) =>
    `org.apache.kafka.common.security.scram.ScramLoginModule required username=${JSON.stringify(user.username)} password=${JSON.stringify(user.password)};`;
  return `${[
    'process.roles=broker,controller',
    `node.id=${nodeId}`,
    // The dynamic quorum (KIP-853), as the brokers on EC2: nodes find the controllers here, the voters are in the
    // metadata log (formatted with --standalone or --initial-controllers: initialControllersFormat).
    `controller.quorum.bootstrap.servers=${voters.map((voter) => `${voter.host}:${voter.port}`).join(',')}`,
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
    `default.replication.factor=${shape.replicationFactor}`,
    `min.insync.replicas=${shape.minInsyncReplicas}`,
    'unclean.leader.election.enable=false',
    `offsets.topic.replication.factor=${shape.replicationFactor}`,
    'offsets.topic.num.partitions=3',
    `transaction.state.log.replication.factor=${shape.replicationFactor}`,
    `transaction.state.log.min.isr=${shape.minInsyncReplicas}`,
    // The idempotent producers' ids come from the transaction coordinators: 3 partitions load at once, 50 (the
    // default) keep a fresh cluster's first producers waiting.
    'transaction.state.log.num.partitions=3',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=24',
    // A cluster moves a dead node's partitions once the controller stops hearing from it: after 3 s here, not
    // Kafka's 9 s, so a local run (and a test) fails over while a producer's send is still retrying.
    ...(voters.length > 1 ? ['broker.session.timeout.ms=3000', 'broker.heartbeat.interval.ms=500'] : []),
  ].join('\n')}\n`;
}

/** A voter of a new quorum: its node and the directory id its metadata log is formatted with. */
export interface InitialController extends Voter {
  directoryId: string;
}

/**
 * The storage tool's quorum arguments for a node of a new cluster: one node is a quorum of itself
 * (`--standalone`); several name every initial voter with its directory id, the same list on each node. Either
 * way the quorum is dynamic (`kraft.version=1`, which makes the format fail rather than fall back to a static one).
 */
export function initialControllersFormat(controllers: readonly InitialController[]): string[] {
  const quorum =
    controllers.length === 1
      ? ['--standalone']
      : [
          '--initial-controllers',
          controllers
            .map(({ nodeId, host, port, directoryId }) => `${nodeId}@${host}:${port}:${directoryId}`)
            .join(','),
        ];
  return [...quorum, '--feature', 'kraft.version=1'];
}

/** A directory id for a metadata log: a Kafka Uuid (16 random bytes, base64url without padding). */
export function newDirectoryId(): string {
  return randomBytes(16).toString('base64url');
}

/** The broker's log4j settings: warnings and its start line, to its own log file. */
export const LOG4J = `log4j.rootLogger=WARN, stdout
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
