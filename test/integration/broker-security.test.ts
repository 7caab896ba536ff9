import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../local/services/kafka/broker';

let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({
    security: 'sasl_ssl',
    users: [{ username: 'tickstream', password: 'correct-horse-battery' }],
    removeOnStop: true,
  });
});

afterAll(async () => {
  await broker?.stop();
});

/** What a client with this configuration gets: the topics it can list, or the error that refused it. */
async function listTopics(config: Partial<KafkaConfig>): Promise<string[] | { refused: string }> {
  const admin = new Kafka({
    clientId: 'broker-security-test',
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
    ...config,
  }).admin();
  try {
    await admin.connect();
    return await admin.listTopics();
  } catch (error) {
    return { refused: (error as Error).name };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

describe('the local broker over SASL_SSL with SCRAM-SHA-512', () => {
  it('serves a client that trusts its CA and signs in, end to end through a topic', async () => {
    expect(broker.connection).toEqual({
      brokers: broker.brokers,
      ssl: { ca: [expect.stringMatching(/^-----BEGIN CERTIFICATE-----/)] },
      sasl: { mechanism: 'scram-sha-512', username: 'tickstream', password: 'correct-horse-battery' },
    });
    const kafka = new Kafka({
      clientId: 'broker-security-test',
      logLevel: logLevel.NOTHING,
      ...broker.connection,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'secured', numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'secured', messages: [{ key: 'AAPL', value: 'tick' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'secured-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'secured', fromBeginning: true });
    const received = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
    });
    await consumer.disconnect();
    expect(received).toBe('tick');
  });

  it('refuses a wrong password, a client without credentials, and plaintext', async () => {
    const ssl = { ca: broker.connection.ssl?.ca ?? [] };
    expect({
      wrongPassword: await listTopics({
        ssl,
        sasl: { mechanism: 'scram-sha-512', username: 'tickstream', password: 'guess' },
      }),
      unknownUser: await listTopics({
        ssl,
        sasl: { mechanism: 'scram-sha-512', username: 'intruder', password: 'correct-horse-battery' },
      }),
      noCredentials: await listTopics({ ssl }),
      plaintext: await listTopics({}),
    }).toEqual({
      wrongPassword: { refused: 'KafkaJSSASLAuthenticationError' },
      unknownUser: { refused: 'KafkaJSSASLAuthenticationError' },
      noCredentials: { refused: expect.stringMatching(/^KafkaJS/) },
      plaintext: { refused: expect.stringMatching(/^KafkaJS/) },
    });
  });

  it('refuses a client that does not trust the broker CA', async () => {
    expect(
      await listTopics({
        ssl: true,
        sasl: { mechanism: 'scram-sha-512', username: 'tickstream', password: 'correct-horse-battery' },
      }),
    ).toEqual({ refused: expect.stringMatching(/^KafkaJS/) });
  });

  it('keeps its passwords off command lines and out of files other users can read', () => {
    const password = 'correct-horse-battery';
    // The broker's own process, and nothing left of the format's argument file.
    expect(readFileSync(`/proc/${broker.pid}/cmdline`, 'utf8')).not.toContain(password);
    expect(existsSync(join(broker.workDir, 'format.args'))).toBe(false);
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(broker.workDir)).toBe(0o700);
    expect(mode(join(broker.workDir, 'server.properties'))).toBe(0o600);
    // The TLS stores' folder: keytool writes with the user's umask, the folder closes them to others.
    expect(mode(join(broker.workDir, 'tls'))).toBe(0o700);
  });
});
