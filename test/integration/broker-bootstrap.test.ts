import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { ensureKafkaJars, KAFKA_VERSION } from '../../local/services/kafka/jars';
import { brokerProperties } from '../../local/services/kafka/properties';
import { freePort, freePorts, isAlive, stopProcess } from '../../local/support/processes';
import { waitUntil } from '../support/wait';

const run = promisify(execFile);
// The bootstrap exactly as the UserData unpacks it on EC2 (its comments stripped: resources/kafka-broker-user-data.js).
const { runnableBootstrap, runnableHealth } = require('../../resources/kafka-broker-user-data.js') as {
  runnableBootstrap(): string;
  runnableHealth(): string;
};
const SCRIPT = join(mkdtempSync(join(tmpdir(), 'kafka-bootstrap-script-')), 'kafka-bootstrap.sh');
writeFileSync(SCRIPT, runnableBootstrap());
const CLIENT_SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:KafkaClientSecret-AbCdEf';
const CA_SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:KafkaCaSecret-GhIjKl';
const client = { username: 'tickstream', password: randomBytes(16).toString('hex') };
const CLUSTER_SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:KafkaClusterSecret-MnOpQr';

/**
 * Stand-ins for the tools the script calls on EC2, which record their calls: `aws secretsmanager` (serves and
 * keeps the secrets of the store FAKE_AWS_SECRETS, one file per secret, which the nodes of a cluster share;
 * fails every call when FAKE_AWS_FAIL is set), `aws
 * cloudformation signal-resource` (the signal when cfn-signal is not installed), `cfn-signal`, and a `dnf` that
 * fails (a repository out of reach).
 */
function writeStandIns(bin: string): void {
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'aws'),
    `#!/usr/bin/env bash
echo "aws $*" >> "$FAKE_AWS_DIR/calls.log"
if [ -n "\${FAKE_AWS_FAIL:-}" ] && [ "$1" != cloudformation ]; then echo "An error occurred (AccessDeniedException)" >&2; exit 254; fi
case "$2" in
  signal-resource) echo "aws $*" >> "$FAKE_AWS_DIR/signals.log" ;;
  get-secret-value) cat "$FAKE_AWS_SECRETS/$(echo "$4" | tr ':/' '__').json" ;;
  put-secret-value)
    cp "\${6#file://}" "$FAKE_AWS_DIR/put-$(basename "$4").json"
    cp "\${6#file://}" "$FAKE_AWS_SECRETS/$(echo "$4" | tr ':/' '__').json"
    echo '{}' ;;
  *) exit 2 ;;
esac
`,
  );
  writeFileSync(join(bin, 'cfn-signal'), '#!/usr/bin/env bash\necho "$*" >> "$FAKE_AWS_DIR/signals.log"\n');
  writeFileSync(
    join(bin, 'dnf'),
    '#!/usr/bin/env bash\necho "Error: Failed to download metadata for repo" >&2\nexit 1\n',
  );
  for (const tool of ['aws', 'cfn-signal', 'dnf']) chmodSync(join(bin, tool), 0o755);
}

function properties(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/**
 * A Kafka distribution as Apache publishes it, made from the local jar cache: `kafka_2.13-<version>.tgz` with its
 * jars under `libs/`, and beside it the `.sha512` file in the format Apache's release tooling writes (gpg
 * --print-md SHA512: the file name, a colon, the digest in upper-case groups over several lines; see
 * https://www.apache.org/info/verification.html). Served to the script as a file:// URL, which curl fetches.
 */
async function distribution(dir: string): Promise<string> {
  const libs = await ensureKafkaJars();
  const name = `kafka_2.13-${KAFKA_VERSION}`;
  mkdirSync(join(dir, name), { recursive: true });
  await run('cp', ['-r', libs, join(dir, name, 'libs')]);
  const archive = join(dir, `${name}.tgz`);
  await run('tar', ['-czf', archive, '-C', dir, name]);
  rmSync(join(dir, name), { recursive: true, force: true });
  const digest = createHash('sha512').update(readFileSync(archive)).digest('hex').toUpperCase();
  const groups = digest.match(/.{8}/g) ?? [];
  const lines = [groups.slice(0, 6), groups.slice(6, 12), groups.slice(12)].map((line) => line.join(' '));
  writeFileSync(`${archive}.sha512`, `${name}.tgz: ${lines.join(`\n${' '.repeat(name.length + 6)}`)}\n`);
  return `file://${archive}`;
}

/**
 * A Secrets Manager stand-in's store as CloudFormation leaves it: the clients' generated user, and the cluster
 * secret created empty (`{}`) for node 1 to fill.
 */
function secretStore(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = (id: string) => join(dir, `${id.replace(/[:/]/g, '_')}.json`);
  writeFileSync(file(CLIENT_SECRET_ID), JSON.stringify(client));
  writeFileSync(file(CLUSTER_SECRET_ID), '{}');
  return dir;
}

/** Runs the UserData script as EC2 would, with the download, dnf and systemd replaced by local stand-ins. */
async function bootstrap(params: {
  scratch: string;
  port: number;
  /** The secret store (default: a new one in `scratch`). */
  secrets?: string;
  env?: Record<string, string>;
}) {
  const libs = await ensureKafkaJars();
  const bin = join(params.scratch, 'bin');
  writeStandIns(bin);
  const secrets = params.secrets ?? secretStore(join(params.scratch, 'secrets'));
  return run('bash', [SCRIPT], {
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_AWS_DIR: params.scratch,
      FAKE_AWS_SECRETS: secrets,
      KAFKA_VERSION,
      KAFKA_TOPIC: 'stock-ticks',
      KAFKA_PARTITIONS: '4',
      KAFKA_RETENTION_HOURS: '24',
      KAFKA_HOME: join(params.scratch, 'home'),
      KAFKA_DATA_DIR: join(params.scratch, 'data'),
      KAFKA_PORT: String(params.port),
      // Of two different free ports at most one is the broker's own.
      KAFKA_CONTROLLER_PORT: String((await freePorts(2)).find((candidate) => candidate !== params.port)),
      KAFKA_HEAP: '256m',
      KAFKA_LIBS_DIR: libs,
      KAFKA_CLIENT_SECRET_ID: CLIENT_SECRET_ID,
      KAFKA_CA_SECRET_ID: CA_SECRET_ID,
      KAFKA_CLUSTER_SECRET_ID: CLUSTER_SECRET_ID,
      AWS_REGION: 'us-east-1',
      CFN_STACK: 'tickstream-dev',
      CFN_SIGNAL: join(bin, 'cfn-signal'),
      SERVICE_MANAGER: 'none',
      INSTALL_JAVA: '0',
      ADVERTISED_HOST: '127.0.0.1',
      ...params.env,
    },
  });
}

let scratch: string;
let port: number;
let log: string;

let distributionUrl: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'kafka-bootstrap-'));
  port = await freePort();
  distributionUrl = await distribution(join(scratch, 'dist'));
  // As on EC2: Kafka downloaded and checked against its published checksum, not taken from the jar cache.
  const result = await bootstrap({
    scratch,
    port,
    env: { KAFKA_LIBS_DIR: '', KAFKA_DISTRIBUTION_URL: distributionUrl },
  });
  log = result.stdout + result.stderr;
});

afterAll(async () => {
  const pidFile = join(scratch, 'home', 'kafka.pid');
  if (existsSync(pidFile)) await stopProcess(Number(readFileSync(pidFile, 'utf8')));
  rmSync(scratch, { recursive: true, force: true });
});

/** The CA certificate the script put into the CA secret, as the mapping would read it. */
function publishedCa(): string {
  const secret = JSON.parse(readFileSync(join(scratch, `put-${CA_SECRET_ID}.json`), 'utf8')) as {
    certificate: string;
  };
  return secret.certificate;
}

function kafkaClient(config: Partial<KafkaConfig>): Kafka {
  return new Kafka({
    clientId: 'bootstrap-test',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
    ...config,
  });
}

const signedIn = (): Partial<KafkaConfig> => ({
  ssl: { ca: [publishedCa()] },
  sasl: { mechanism: 'scram-sha-512', ...client },
});

describe('resources/kafka-broker-bootstrap.sh (the broker host UserData), run locally', () => {
  it('publishes its CA certificate in the SERVER_ROOT_CA_CERTIFICATE format and signals CloudFormation success', () => {
    expect(log).toContain(
      `broker ready at 127.0.0.1:${port} (SASL_SSL, SCRAM-SHA-512), node 1, topic stock-ticks (4 partitions)`,
    );
    expect(publishedCa()).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/);
    expect(readFileSync(join(scratch, 'calls.log'), 'utf8').trim().split('\n')).toEqual([
      // Node 1 finds the cluster secret empty, makes the cluster's CA and keeps it there.
      `aws secretsmanager get-secret-value --secret-id ${CLUSTER_SECRET_ID} --query SecretString --output text`,
      `aws secretsmanager put-secret-value --secret-id ${CLUSTER_SECRET_ID} --secret-string file://${join(scratch, 'data', 'tls', 'cluster-secret.json')}`,
      `aws secretsmanager get-secret-value --secret-id ${CLIENT_SECRET_ID} --query SecretString --output text`,
      `aws secretsmanager put-secret-value --secret-id ${CA_SECRET_ID} --secret-string file://${join(scratch, 'data', 'tls', 'ca-secret.json')}`,
    ]);
    expect(readFileSync(join(scratch, 'signals.log'), 'utf8')).toBe(
      '--exit-code 0 --stack tickstream-dev --resource KafkaBroker --region us-east-1\n',
    );
    // The generated password reaches the broker's metadata, never its log.
    expect(log).not.toContain(client.password);
  });

  it('serves the secret’s SCRAM-SHA-512 user over TLS: the topic, its partitions and retention', async () => {
    const admin = kafkaClient(signedIn()).admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: ['stock-ticks'] });
    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: 'stock-ticks', configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    await admin.disconnect();
    expect(metadata.topics[0]?.partitions).toHaveLength(4);
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe(String(24 * 3600 * 1000));
  });

  it('accepts acks=all writes from the idempotent producer the functions use', async () => {
    // An idempotent producer must be allowed to retry (kafkajs refuses retries: 0).
    const kafka = kafkaClient({ ...signedIn(), retry: { retries: 3 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'stock-ticks', acks: -1, messages: [{ key: 'AAPL', value: 'hello' }] });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('stock-ticks');
    await admin.disconnect();
    expect(offsets.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(1);
  });

  it('refuses plaintext, no credentials, a wrong password and a client that does not trust its CA', async () => {
    const refusal = async (config: Partial<KafkaConfig>) => {
      const admin = kafkaClient(config).admin();
      try {
        await admin.connect();
        return await admin.listTopics();
      } catch (error) {
        return (error as Error).name;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    };
    const ca = [publishedCa()];
    expect({
      plaintext: await refusal({}),
      noCredentials: await refusal({ ssl: { ca } }),
      wrongPassword: await refusal({
        ssl: { ca },
        sasl: { mechanism: 'scram-sha-512', username: client.username, password: 'guess' },
      }),
      untrustedCa: await refusal({ ssl: true, sasl: { mechanism: 'scram-sha-512', ...client } }),
    }).toEqual({
      plaintext: expect.stringMatching(/^KafkaJS/),
      noCredentials: expect.stringMatching(/^KafkaJS/),
      wrongPassword: 'KafkaJSSASLAuthenticationError',
      untrustedCa: expect.stringMatching(/^KafkaJS/),
    });
  });

  it('listens for clients on SASL_SSL only, with the same broker settings as the local broker', () => {
    const written = properties(readFileSync(join(scratch, 'home', 'config', 'server.properties'), 'utf8'));
    const tls = {
      keystore: 'k',
      truststore: 't',
      storePassword: 'p',
      caPem: '',
    };
    const local = properties(
      brokerProperties({
        port,
        controllerPort: 1,
        logDir: 'x',
        partitions: 4,
        security: { certificates: tls, broker: { username: 'broker', password: 'p' } },
      }),
    );
    const differing = new Set([
      'listeners',
      'advertised.listeners',
      'controller.quorum.bootstrap.servers',
      'log.dirs',
      'log.retention.hours',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config',
      'ssl.keystore.location',
      'ssl.keystore.password',
      'ssl.key.password',
      'ssl.truststore.location',
      'ssl.truststore.password',
    ]);
    const shared = [...local.keys()].filter((key) => !differing.has(key));
    expect(Object.fromEntries(shared.map((key) => [key, written.get(key)]))).toEqual(
      Object.fromEntries(shared.map((key) => [key, local.get(key)])),
    );
    expect(written.get('listeners')).toBe(
      `SASL_SSL://0.0.0.0:${port},CONTROLLER://127.0.0.1:${written.get('controller.quorum.bootstrap.servers')?.split(':')[1]}`,
    );
    expect(written.get('advertised.listeners')).toBe(`SASL_SSL://127.0.0.1:${port}`);
    expect(written.get('listener.security.protocol.map')).toBe('SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT');
    expect(written.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
  });
});

/** Runs a bootstrap expected to fail; returns its exit code, its stderr and the signals it sent. */
async function failingBootstrap(env: Record<string, string>, port?: number) {
  const failing = mkdtempSync(join(tmpdir(), 'kafka-bootstrap-fail-'));
  try {
    const outcome = await bootstrap({
      scratch: failing,
      port: port ?? (await freePort()),
      env: { RETRY_ATTEMPTS: '2', RETRY_DELAY_SECONDS: '0', ...env },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    const signals = existsSync(join(failing, 'signals.log'))
      ? readFileSync(join(failing, 'signals.log'), 'utf8')
      : '';
    return { ...outcome, signals, brokerStarted: existsSync(join(failing, 'home', 'kafka.pid')) };
  } finally {
    // A step after the broker's start may fail (the topic): stop what it started.
    const pidFile = join(failing, 'home', 'kafka.pid');
    if (existsSync(pidFile)) await stopProcess(Number(readFileSync(pidFile, 'utf8')));
    rmSync(failing, { recursive: true, force: true });
  }
}

/**
 * Runs a bootstrap expected to fail on a port that a server listening on `address` holds meanwhile; returns the
 * port beside the outcome.
 */
async function failingBootstrapOnHeldPort(address: string) {
  const holder = createServer(() => undefined);
  await new Promise<void>((ready) => holder.listen(0, address, ready));
  const port = (holder.address() as AddressInfo).port;
  try {
    return { port, ...(await failingBootstrap({}, port)) };
  } finally {
    await new Promise((closed) => holder.close(closed));
  }
}

const FAILURE_SIGNAL =
  /^--exit-code [1-9]\d* --stack tickstream-dev --resource KafkaBroker --region us-east-1\n$/;

describe('the bootstrap on every failure path: it stops, signals CloudFormation the failure and starts no broker', () => {
  it('a download whose checksum does not match the published one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-dist-'));
    try {
      const url = await distribution(dir);
      writeFileSync(`${url.slice('file://'.length)}.sha512`, `${'0'.repeat(128)}  kafka.tgz\n`);
      const outcome = await failingBootstrap({ KAFKA_LIBS_DIR: '', KAFKA_DISTRIBUTION_URL: url });
      expect(outcome.code).not.toBe(0);
      expect(outcome.stderr).toContain(`checksum mismatch for ${url}: expected ${'0'.repeat(128)}`);
      expect(outcome.signals).toMatch(FAILURE_SIGNAL);
      expect(outcome.brokerStarted).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a download that never arrives (retried, then given up)', async () => {
    const outcome = await failingBootstrap({
      KAFKA_LIBS_DIR: '',
      KAFKA_DISTRIBUTION_URL: 'file:///nonexistent/kafka_2.13-3.9.2.tgz',
    });
    expect(outcome.stderr).toContain('attempt 2 of fetch file:///nonexistent/kafka_2.13-3.9.2.tgz');
    expect(outcome.signals).toMatch(FAILURE_SIGNAL);
    expect(outcome.brokerStarted).toBe(false);
  });

  it('a download that hangs: each attempt ends at the time limit, then it gives up', async () => {
    // A server that accepts the request and never answers, as a stalled mirror does.
    const server = createServer(() => undefined);
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kafka_2.13-3.9.2.tgz`;
    try {
      // Without the time limit the first attempt would never end, and this test would hit jest's timeout.
      const outcome = await failingBootstrap({
        KAFKA_LIBS_DIR: '',
        KAFKA_DISTRIBUTION_URL: url,
        DOWNLOAD_TIMEOUT_SECONDS: '1',
      });
      expect(outcome.stderr).toContain(`attempt 2 of fetch ${url}`);
      expect(outcome.signals).toMatch(FAILURE_SIGNAL);
      expect(outcome.brokerStarted).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    }
  });

  it('a data volume that does not appear: Kafka never falls back to the root volume', async () => {
    const outcome = await failingBootstrap({
      DATA_DEVICE_NAME: '/dev/sdz-tickstream-test',
      DATA_DEVICE_WAIT_SECONDS: '1',
    });
    expect(outcome.stderr).toContain(
      'no block device for the data volume /dev/sdz-tickstream-test after 1 s',
    );
    expect(outcome.signals).toMatch(FAILURE_SIGNAL);
    expect(outcome.brokerStarted).toBe(false);
  });

  it('a port another process already listens on: it names the port before starting Kafka', async () => {
    const { port, ...outcome } = await failingBootstrapOnHeldPort('127.0.0.1');
    expect(outcome.stderr).toContain(`port ${port} is already in use by another process`);
    expect(outcome.signals).toMatch(FAILURE_SIGNAL);
    expect(outcome.brokerStarted).toBe(false);
  });

  it("a broker that exits as it starts (its port taken on another address): it stops at once with Kafka's reason", async () => {
    // Held on 127.0.0.2 only, the port does not answer on 127.0.0.1, where the bootstrap looks; Kafka's listener
    // on 0.0.0.0 still cannot have it. The same happens when another process takes the port between the check
    // and Kafka's start.
    const { port, ...outcome } = await failingBootstrapOnHeldPort('127.0.0.2');
    expect(outcome.stderr).toMatch(
      new RegExp(
        `the broker stopped: ERROR .*Socket server failed to bind to 0\\.0\\.0\\.0:${port}: Address already in use`,
      ),
    );
    // No topic command was tried against a broker that is not there.
    expect(outcome.stderr).not.toContain('create_topic');
    expect(outcome.signals).toMatch(FAILURE_SIGNAL);
  });

  it('a failed dnf install, which leaves no cfn-signal: the AWS CLI sends the failure instead', async () => {
    const outcome = await failingBootstrap({
      INSTALL_JAVA: '1',
      CFN_SIGNAL: '/nonexistent/cfn-signal',
      INSTANCE_ID: 'i-0123456789abcdef0',
    });
    expect(outcome.stderr).toContain('attempt 2 of dnf install -y failed');
    expect(outcome.signals).toBe(
      'aws cloudformation signal-resource --stack-name tickstream-dev --logical-resource-id KafkaBroker --unique-id i-0123456789abcdef0 --status FAILURE --region us-east-1\n',
    );
    expect(outcome.brokerStarted).toBe(false);
  });
});

describe('the bootstrap when Kafka refuses the topic', () => {
  it("fails after its attempts with Kafka's own reason, and signals CloudFormation the failure", async () => {
    const outcome = await failingBootstrap({ KAFKA_TOPIC: 'stock ticks' });
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr.match(/the topic's creation was refused: .*/g)).toEqual(
      Array(2).fill(
        `the topic's creation was refused: Error while executing topic command : Topic name is invalid: 'stock ticks' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`,
      ),
    );
    expect(outcome.stderr).toContain('attempt 2 of create_topic failed');
    expect(outcome.signals).toMatch(FAILURE_SIGNAL);
  });
});

describe('the bootstrap when Secrets Manager refuses', () => {
  it('fails, signals CloudFormation the failure, and starts no broker', async () => {
    const outcome = await failingBootstrap({ FAKE_AWS_FAIL: '1' });
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toContain('attempt 2 of cluster_secret failed');
    expect(outcome.stderr).toContain('bootstrap failed');
    expect(outcome.signals).toMatch(FAILURE_SIGNAL);
    expect(outcome.brokerStarted).toBe(false);
  });
});

describe('three instances of the bootstrap, as a prod stage launches them, form one cluster', () => {
  // Each node a host of its own: 127.0.0.1-3 are all the loopback interface, so each finds itself among the
  // voters by its address, as an instance does by its private IP.
  const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
  let cluster: string;
  let ports: number[];
  let controllerPorts: number[];
  let secrets: string;
  const logs: string[] = [];
  /** What node `index`'s bootstrap is run with (its host and the voters may be changed by a test). */
  const nodeEnv = (host: string, voters: string) => ({
    ADVERTISED_HOST: host,
    KAFKA_CONTROLLER_QUORUM_VOTERS: voters,
    KAFKA_REPLICATION_FACTOR: '3',
    KAFKA_MIN_INSYNC_REPLICAS: '2',
    KAFKA_PARTITIONS: '3',
    // On EC2 a step is tried 30 times 10 s apart; here in shorter steps (nodes 2 and 3 take node 1's
    // secret sooner), over half that time: a slow machine may take a minute more to form the quorum.
    RETRY_DELAY_SECONDS: '2',
    RETRY_ATTEMPTS: '75',
  });
  const votersWith = (hostOf: (index: number) => string) =>
    hosts.map((_, index) => `${index + 1}@${hostOf(index)}:${controllerPorts[index]}`).join(',');

  beforeAll(async () => {
    cluster = mkdtempSync(join(tmpdir(), 'kafka-bootstrap-cluster-'));
    secrets = secretStore(join(cluster, 'secrets'));
    // Six different ports: a broker whose port another node's listener holds cannot start.
    const chosen = await freePorts(2 * hosts.length);
    ports = chosen.slice(0, hosts.length);
    controllerPorts = chosen.slice(hosts.length);
    const voters = votersWith((index) => hosts[index] as string);
    // Side by side, as CloudFormation launches them: nodes 2 and 3 wait for node 1's CA.
    const results = await Promise.allSettled(
      hosts.map((host, index) =>
        bootstrap({
          scratch: join(cluster, `node-${index + 1}`),
          port: ports[index] as number,
          secrets,
          env: nodeEnv(host, voters),
        }),
      ),
    );
    if (results.some((result) => result.status === 'rejected')) throw new Error(clusterReport(results));
    logs.push(...results.map(outputOf));
  }, 360_000);

  afterAll(async () => {
    for (const node of ['1', '2', '3', '2b']) {
      const pidFile = join(cluster, `node-${node}`, 'home', 'kafka.pid');
      if (existsSync(pidFile)) await stopProcess(Number(readFileSync(pidFile, 'utf8')));
    }
    rmSync(cluster, { recursive: true, force: true });
  });

  type NodeResult = PromiseSettledResult<{ stdout: string; stderr: string }>;
  /** What a node's bootstrap printed (a failed run's message holds its stderr). */
  const outputOf = (result: NodeResult) =>
    result.status === 'fulfilled'
      ? result.value.stdout + result.value.stderr
      : `${(result.reason as { stdout?: string }).stdout ?? ''}${(result.reason as Error).message}`;

  /**
   * What each node's bootstrap printed and the warnings and errors its broker logged: one node's failure (a
   * cluster that never forms) is usually explained by another's log.
   */
  function clusterReport(results: NodeResult[]): string {
    return results
      .map((result, index) => {
        const output = outputOf(result);
        const brokerLog = join(cluster, `node-${index + 1}`, 'home', 'kafka.out');
        const brokerLines = existsSync(brokerLog)
          ? readFileSync(brokerLog, 'utf8')
              .split('\n')
              .filter((line) => / (WARN|ERROR|FATAL) |Exception/.test(line))
              .slice(-40)
              .join('\n')
          : '(no broker log)';
        return `--- node ${index + 1}: ${result.status}\n${output}\n--- node ${index + 1}'s broker log (warnings, errors)\n${brokerLines}`;
      })
      .join('\n');
  }

  const caOf = (node: number) => readFileSync(join(cluster, `node-${node}`, 'data', 'tls', 'ca.pem'), 'utf8');

  it('each node is ready under its own id; node 1 made the one CA, the others took it from the cluster secret', () => {
    expect(logs.map((log) => /broker ready at (\S+) .*, node (\d)/.exec(log)?.slice(1))).toEqual(
      hosts.map((host, index) => [`${host}:${ports[index]}`, String(index + 1)]),
    );
    expect(logs[0]).toContain("making the cluster's private CA");
    expect(logs.slice(1).every((log) => log.includes("taking the cluster's CA from its secret"))).toBe(true);
    expect(new Set([1, 2, 3].map(caOf)).size).toBe(1);
    // Only node 1 publishes the CA certificate the mapping trusts.
    expect(
      [1, 2, 3].map((node) => existsSync(join(cluster, `node-${node}`, `put-${CA_SECRET_ID}.json`))),
    ).toEqual([true, false, false]);
    for (const log of logs) expect(log).not.toContain(client.password);
  });

  it('replicates the topic three times, acknowledges acks=all writes once two copies have them, and every client listener serves the one CA', async () => {
    const kafka = new Kafka({
      clientId: 'bootstrap-cluster-test',
      brokers: hosts.map((host, index) => `${host}:${ports[index]}`),
      logLevel: logLevel.NOTHING,
      ssl: { ca: [caOf(1)] },
      sasl: { mechanism: 'scram-sha-512', ...client },
      retry: { retries: 5 },
    });
    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: ['stock-ticks'] });
    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: 'stock-ticks', configNames: ['min.insync.replicas'] }],
      includeSynonyms: false,
    });
    const brokers = await admin.describeCluster();
    await admin.disconnect();
    expect(brokers.brokers.map((broker) => `${broker.host}:${broker.port}`).sort()).toEqual(
      hosts.map((host, index) => `${host}:${ports[index]}`).sort(),
    );
    expect(metadata.topics[0]?.partitions.map((partition) => [...partition.isr].sort())).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('2');
    // Every partition's leader (so every node that leads one) takes a write.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const acknowledged = await producer.send({
      topic: 'stock-ticks',
      acks: -1,
      messages: [0, 1, 2].map((partition) => ({ partition, value: `to ${partition}` })),
    });
    await producer.disconnect();
    expect(acknowledged.map((record) => [record.partition, record.errorCode]).sort()).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
  });

  it('speaks TLS between controllers and admits only peers with a certificate of the CA', () => {
    const written = properties(
      readFileSync(join(cluster, 'node-2', 'home', 'config', 'server.properties'), 'utf8'),
    );
    expect(written.get('node.id')).toBe('2');
    expect(written.get('listener.security.protocol.map')).toBe('SASL_SSL:SASL_SSL,CONTROLLER:SSL');
    expect(written.get('listener.name.controller.ssl.client.auth')).toBe('required');
    expect(written.get('unclean.leader.election.enable')).toBe('false');
    expect(written.get('min.insync.replicas')).toBe('2');
    expect(written.get('offsets.topic.replication.factor')).toBe('3');
  });

  /**
   * Numbered writes from `first` on, acks=all from an idempotent producer, every 20 ms until `stop`: an
   * acknowledged number must later be read back exactly once.
   */
  async function numberedWrites(kafka: Kafka, first: number) {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const acknowledged: number[] = [];
    let producing = true;
    const writes = (async () => {
      for (let number = first; producing; number++) {
        await producer
          .send({
            topic: 'stock-ticks',
            acks: -1,
            messages: [{ key: String(number % 7), value: String(number) }],
          })
          .then(() => acknowledged.push(number))
          .catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    return {
      acknowledged,
      async stop() {
        producing = false;
        await writes;
        await producer.disconnect();
      },
    };
  }

  /** How many times each number from `first` on is in the topic, read from the beginning to its end offsets. */
  async function readBack(kafka: Kafka, first: number): Promise<Map<number, number>> {
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets('stock-ticks');
    await admin.disconnect();
    const total = ends.reduce((sum, end) => sum + Number(end.high), 0);
    const read = new Map<number, number>();
    let messages = 0;
    const consumer = kafka.consumer({ groupId: `read-back-${first}-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'stock-ticks', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        messages++;
        const value = Number(message.value?.toString());
        if (Number.isInteger(value) && value >= first) read.set(value, (read.get(value) ?? 0) + 1);
      },
    });
    const deadline = Date.now() + 60_000;
    while (messages < total && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    await consumer.disconnect();
    return read;
  }

  /** Every acknowledged number read back once, and no number twice. */
  function expectOnceEach(acknowledged: number[], read: Map<number, number>): void {
    expect(acknowledged.length).toBeGreaterThan(100);
    expect(acknowledged.filter((number) => read.get(number) !== 1)).toEqual([]);
    expect([...read.entries()].filter(([, count]) => count > 1)).toEqual([]);
  }

  /** The quorum's voters as node 1's controller reports them (the quorum tool, signed in as node 1 is). */
  async function quorumVoters(): Promise<{ id: number; directoryId: string; endpoints: string[] }[]> {
    const libs = await ensureKafkaJars();
    const config = join(cluster, 'node-1', 'home', 'config');
    const { stdout } = await run('java', [
      '-cp',
      `${libs}/*`,
      `-Dlog4j.configuration=file:${join(config, 'log4j.properties')}`,
      'org.apache.kafka.tools.MetadataQuorumCommand',
      '--bootstrap-controller',
      `${hosts[0]}:${controllerPorts[0]}`,
      '--command-config',
      join(config, 'controller-admin.properties'),
      'describe',
      '--status',
    ]);
    const line = stdout.split('\n').find((candidate) => candidate.startsWith('CurrentVoters:')) ?? '';
    return JSON.parse(line.slice(line.indexOf(':') + 1)) as Awaited<ReturnType<typeof quorumVoters>>;
  }

  /** Node 3's instance and data volume lost (SIGKILL, both folders deleted), then its bootstrap run again. */
  async function loseAndRebootstrapNode3(host: string): Promise<string> {
    const node = join(cluster, 'node-3');
    // As a host that loses power: no controlled shutdown.
    const pid = Number(readFileSync(join(node, 'home', 'kafka.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitUntil('node 3 to exit', () => !isAlive(pid), { timeoutMs: 30_000 });
    rmSync(join(node, 'home'), { recursive: true, force: true });
    rmSync(join(node, 'data'), { recursive: true, force: true });
    const result = await bootstrap({
      scratch: node,
      port: ports[2] as number,
      secrets,
      env: nodeEnv(
        host,
        votersWith((index) => (index === 2 ? host : (hosts[index] as string))),
      ),
    });
    return result.stdout + result.stderr;
  }

  it("a node whose data volume is lost rejoins by its own bootstrap, at its address and at a new one, as KIP-853's disk-failure recovery: nothing acknowledged is lost or duplicated, and the quorum and every ISR are three again", async () => {
    const kafka = new Kafka({
      clientId: 'bootstrap-rejoin-test',
      brokers: hosts.slice(0, 2).map((host, index) => `${host}:${ports[index]}`),
      logLevel: logLevel.NOTHING,
      ssl: { ca: [caOf(1)] },
      sasl: { mechanism: 'scram-sha-512', ...client },
      retry: { retries: 8 },
    });
    const before = await quorumVoters();
    expect(before.map((voter) => voter.id).sort()).toEqual([1, 2, 3]);

    const writes = await numberedWrites(kafka, 0);
    let rejoined: string;
    let moved: string;
    let afterRejoin: Awaited<ReturnType<typeof quorumVoters>>;
    try {
      rejoined = await loseAndRebootstrapNode3(hosts[2] as string);
      afterRejoin = await quorumVoters();
      // The same node on a new host: what a replacement at another address does.
      moved = await loseAndRebootstrapNode3('127.0.0.4');
    } finally {
      await writes.stop();
    }
    const after = await quorumVoters();

    for (const output of [rejoined, moved]) {
      expect(output).toContain('to join the running quorum');
      expect(output).toMatch(/removing controller 3's lost directory \S+ from the quorum/);
      expect(output).toContain('controller 3 is a voter: the voters are 1,2,3');
    }
    const directoryOf = (voters: typeof before) => voters.find((voter) => voter.id === 3)?.directoryId;
    expect(new Set([directoryOf(before), directoryOf(afterRejoin), directoryOf(after)]).size).toBe(3);
    expect(after.map((voter) => voter.id).sort()).toEqual([1, 2, 3]);
    expect(after.find((voter) => voter.id === 3)?.endpoints).toEqual([
      `CONTROLLER://127.0.0.4:${controllerPorts[2]}`,
    ]);

    const admin = kafka.admin();
    await admin.connect();
    const cluster3 = await admin.describeCluster();
    const metadata = await admin.fetchTopicMetadata({ topics: ['stock-ticks'] });
    await admin.disconnect();
    expect(cluster3.brokers.map((broker) => `${broker.nodeId}@${broker.host}`).sort()).toEqual([
      `1@${hosts[0]}`,
      `2@${hosts[1]}`,
      '3@127.0.0.4',
    ]);
    expect(metadata.topics[0]?.partitions.map((partition) => [...partition.isr].sort())).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);

    expectOnceEach(writes.acknowledged, await readBack(kafka, 0));
  }, 600_000);

  it("replaces broker 2 as CloudFormation does, a new node at its other address beside the old one: the new node takes over the old one's replicas and quorum seat, and nothing acknowledged is lost or duplicated", async () => {
    // Broker 2's other slot: node 5 (2 + 3) at an address of its own; the old node 2 runs until the replacement
    // has signalled, then goes (CloudFormation deletes the old instance last).
    const [newPort, newControllerPort] = await freePorts(2);
    const node = join(cluster, 'node-2b');
    const voters = [
      `1@${hosts[0]}:${controllerPorts[0]}`,
      `2@${hosts[1]}:${controllerPorts[1]}`,
      `3@127.0.0.4:${controllerPorts[2]}`,
      `5@127.0.0.6:${newControllerPort}`,
    ].join(',');
    const kafka = new Kafka({
      clientId: 'bootstrap-replace-test',
      brokers: [`${hosts[0]}:${ports[0]}`, `127.0.0.4:${ports[2]}`],
      logLevel: logLevel.NOTHING,
      ssl: { ca: [caOf(1)] },
      sasl: { mechanism: 'scram-sha-512', ...client },
      retry: { retries: 8 },
    });
    const first = 1_000_000;
    const writes = await numberedWrites(kafka, first);
    let output: string;
    try {
      const result = await bootstrap({
        scratch: node,
        port: newPort as number,
        secrets,
        env: { ...nodeEnv('127.0.0.6', voters), KAFKA_CONTROLLER_PORT: String(newControllerPort) },
      });
      output = result.stdout + result.stderr;
      // CloudFormation deletes the replaced instance once the new one has signalled.
      const old = Number(readFileSync(join(cluster, 'node-2', 'home', 'kafka.pid'), 'utf8'));
      process.kill(old, 'SIGKILL');
      await waitUntil('node 2 to exit', () => !isAlive(old), { timeoutMs: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    } finally {
      await writes.stop();
    }

    expect(output).toContain('to join the running quorum');
    expect(output).toMatch(/moving \d+ partitions from node 2 to node 5/);
    expect(output).toContain('removing controller 2 (the node this one replaces) from the quorum');
    expect(output).toContain('controller 5 is a voter: the voters are 1,3,5');
    expect(output).toContain('broker ready at 127.0.0.6');
    expect((await quorumVoters()).map((voter) => voter.id).sort()).toEqual([1, 3, 5]);

    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: ['stock-ticks'] });
    await admin.disconnect();
    expect(metadata.topics[0]?.partitions.map((partition) => [...partition.replicas].sort())).toEqual([
      [1, 3, 5],
      [1, 3, 5],
      [1, 3, 5],
    ]);
    expect(metadata.topics[0]?.partitions.map((partition) => [...partition.isr].sort())).toEqual([
      [1, 3, 5],
      [1, 3, 5],
      [1, 3, 5],
    ]);

    expectOnceEach(writes.acknowledged, await readBack(kafka, first));
  }, 600_000);

  it('the health check runbooks run on a broker says healthy when it is, and names what is not once a node is lost', async () => {
    const libs = await ensureKafkaJars();
    const health = join(cluster, 'kafka-health.sh');
    writeFileSync(health, runnableHealth());
    // On node 1, as an operator would run /opt/kafka-health.sh there.
    const check = () =>
      run('bash', [health], {
        env: {
          ...process.env,
          KAFKA_HOME: join(cluster, 'node-1', 'home'),
          CLASSPATH_DIR: libs,
          KAFKA_PORT: String(ports[0]),
        },
      }).then(
        ({ stdout }) => ({ code: 0, output: stdout.trim() }),
        (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout.trim() }),
      );
    expect(await check()).toEqual({
      code: 0,
      output: 'healthy: every partition fully in sync; voters 1,3,5 in step',
    });

    // Node 3 (now at 127.0.0.4) lost: its partitions leave their in-sync sets once the controller fences it.
    const pid = Number(readFileSync(join(cluster, 'node-3', 'home', 'kafka.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    let last = { code: 0, output: '' };
    await waitUntil(
      'the health check to see node 3 gone',
      async () => {
        last = await check();
        return last.code !== 0;
      },
      { timeoutMs: 90_000, intervalMs: 2_000 },
    );
    expect(last.code).toBe(1);
    expect(last.output).toMatch(/^unhealthy: \d+ under-replicated partitions: /);
    expect(last.output).toMatch(/stock-ticks-0 \(in sync (1,5|5,1) of [1,3,5]+\)/);
  }, 300_000);
});
