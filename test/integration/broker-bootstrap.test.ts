import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel } from 'kafkajs';
import {
  brokerProperties,
  ensureKafkaJars,
  freePort,
  KAFKA_VERSION,
  stopProcess,
} from '../../local/kafka/broker';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '..', '..', 'resources', 'kafka-broker-bootstrap.sh');
let scratch: string;
let port: number;
let output: string;

function properties(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'kafka-bootstrap-'));
  port = await freePort();
  const libs = await ensureKafkaJars();
  // The EC2 UserData path with the download replaced by the local jar cache and no systemd or dnf.
  const result = await run('bash', [SCRIPT], {
    env: {
      PATH: process.env.PATH,
      KAFKA_VERSION,
      KAFKA_TOPIC: 'stock-ticks',
      KAFKA_PARTITIONS: '4',
      KAFKA_RETENTION_HOURS: '24',
      KAFKA_HOME: join(scratch, 'home'),
      KAFKA_DATA_DIR: join(scratch, 'data'),
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
      KAFKA_HEAP: '256m',
      KAFKA_LIBS_DIR: libs,
      SERVICE_MANAGER: 'none',
      INSTALL_JAVA: '0',
      ADVERTISED_HOST: '127.0.0.1',
    },
  });
  output = result.stdout;
});

afterAll(async () => {
  const pid = Number(readFileSync(join(scratch, 'home', 'kafka.pid'), 'utf8'));
  await stopProcess(pid);
  rmSync(scratch, { recursive: true, force: true });
});

describe('resources/kafka-broker-bootstrap.sh (the broker host UserData), run locally', () => {
  it('brings up a broker with the topic and its partitions', async () => {
    expect(output).toContain(`broker ready at 127.0.0.1:${port}, topic stock-ticks (4 partitions)`);
    const admin = new Kafka({
      clientId: 'bootstrap-test',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
    }).admin();
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
    const kafka = new Kafka({
      clientId: 'bootstrap-test',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
    });
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

  it('writes the same broker settings as the local broker, apart from addresses and paths', () => {
    const written = properties(readFileSync(join(scratch, 'home', 'config', 'server.properties'), 'utf8'));
    const local = properties(brokerProperties({ port, controllerPort: 1, logDir: 'x', partitions: 4 }));
    const differing = new Set([
      'listeners',
      'advertised.listeners',
      'controller.quorum.voters',
      'log.dirs',
      'log.retention.hours',
    ]);
    const shared = [...local.keys()].filter((key) => !differing.has(key));
    expect(Object.fromEntries(shared.map((key) => [key, written.get(key)]))).toEqual(
      Object.fromEntries(shared.map((key) => [key, local.get(key)])),
    );
    expect(written.get('listeners')).toContain(`PLAINTEXT://0.0.0.0:${port}`);
    expect(written.get('advertised.listeners')).toBe(`PLAINTEXT://127.0.0.1:${port}`);
    expect(written.get('auto.create.topics.enable')).toBe('false');
  });
});
