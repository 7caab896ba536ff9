import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProducerRecord } from 'kafkajs';
import 'aws-sdk-client-mock-jest';
import { createProduceTicks } from '../../../functions/factories/produce-ticks';
import type { KafkaSettings } from '../../../lib/kafka/settings';
import { loadProducerConfig } from '../../../lib/produce/config';
import type { TickProducer } from '../../../lib/produce/publisher';
import { createLogger } from '../../../lib/shared/observability';
import {
  FIXTURE_API_KEY,
  type Interception,
  serveAlphaVantageFixtures,
} from '../../../local/pipeline/alphavantage-fixtures';
import { testLogLevel } from '../../support/env';

/** What the function asked of Kafka: the settings of each producer it made (secrets read), and what they did. */
const kafka = {
  settings: [] as KafkaSettings[],
  sends: [] as ProducerRecord[],
  connects: 0,
  disconnects: 0,
};
const createProducer = (settings: KafkaSettings): TickProducer => {
  kafka.settings.push(settings);
  return {
    connect: async () => {
      kafka.connects++;
    },
    send: async (record: ProducerRecord) => {
      kafka.sends.push(record);
      return [];
    },
    disconnect: async () => {
      kafka.disconnects++;
    },
  };
};

const context = {
  functionName: 'produceTicks',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as Context;
const environment = {
  KAFKA_BROKERS: '10.0.1.5:9092',
  KAFKA_TOPIC: 'stock-ticks',
  SIMULATION_SEED: 'unit',
};
const secretsManager = mockClient(SecretsManagerClient);

describe('produceTicks handler', () => {
  beforeEach(() => {
    secretsManager.reset();
    kafka.settings.length = 0;
    kafka.sends.length = 0;
    kafka.connects = 0;
    kafka.disconnects = 0;
  });

  /** The function as Lambda builds it from an environment (the real Secrets Manager reader, a fake producer). */
  async function loadHandler(env: Record<string, string>, logLevel = testLogLevel()) {
    return createProduceTicks(loadProducerConfig(env), {
      logger: createLogger('produce-ticks', { logLevel }),
      createProducer,
    }).handler;
  }

  it('publishes the scheduled minute for the event symbols and returns the summary', async () => {
    const handler = await loadHandler(environment);
    const summary = await handler(
      {
        group: 'tech',
        symbols: ['AAPL', 'MSFT'],
        ticksPerSecond: 1,
        mode: 'burst',
        time: '2026-11-20T15:01:00Z',
      },
      context,
    );
    expect(summary).toMatchObject({
      published: 120,
      topic: 'stock-ticks',
      firstTimestamp: '2026-11-20T15:00:00.000Z',
    });
    expect(kafka.sends.flatMap((send) => send.messages)).toHaveLength(120);
    expect(kafka.settings[0]).toMatchObject({ brokers: ['10.0.1.5:9092'], retries: 3 });
    // On Lambda the connection is kept warm for the next invocation.
    expect(kafka.disconnects).toBe(0);
  });

  it('rejects an invalid event with a clear error and publishes nothing', async () => {
    const handler = await loadHandler(environment);
    await expect(handler({ symbols: [], colour: 'red' }, context)).rejects.toThrow(
      /invalid produceTicks request: .*symbols must list at least one symbol/,
    );
    expect(kafka.connects).toBe(0);
    expect(kafka.sends).toHaveLength(0);
  });

  it('closes the connection after each invocation under sls invoke local', async () => {
    const handler = await loadHandler({ ...environment, IS_LOCAL: 'true' });
    await handler({ symbols: ['AAPL'], time: '2026-11-20T15:01:00Z' }, context);
    expect(kafka.disconnects).toBe(1);
  });

  it("signs in with the stage's Secrets Manager secrets, read once per container", async () => {
    const userSecret =
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tickstream-dev-kafka-client-AbCdEf';
    const caSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tickstream-dev-kafka-ca-GhIjKl';
    const ca = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIE\n-----END CERTIFICATE-----\n';
    const password = 'Xq7uLr2pZk9mWv4sTn6yBc3dHf8jGe5a';
    secretsManager
      .on(GetSecretValueCommand, { SecretId: userSecret })
      .resolves({ SecretString: JSON.stringify({ username: 'tickstream', password }) })
      .on(GetSecretValueCommand, { SecretId: caSecret })
      .resolves({ SecretString: JSON.stringify({ certificate: ca }) });
    const handler = await loadHandler({
      ...environment,
      KAFKA_BROKERS: '10.42.1.10:9096',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_SECRET_ID: userSecret,
      KAFKA_SSL_CA_SECRET_ID: caSecret,
    });
    const event = { symbols: ['AAPL'], time: '2026-11-20T15:01:00Z' };
    await handler(event, context);
    await handler({ ...event, time: '2026-11-20T15:02:00Z' }, context);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: userSecret });
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: caSecret });
    expect(kafka.settings).toHaveLength(1);
    expect(kafka.settings[0]).toMatchObject({
      brokers: ['10.42.1.10:9096'],
      ssl: { ca: [ca] },
      sasl: { mechanism: 'scram-sha-512', username: 'tickstream', password },
    });
    expect(kafka.sends.flatMap((send) => send.messages)).toHaveLength(120);
  });

  it('fails an invocation whose secret cannot be read, naming it, and publishes nothing', async () => {
    const userSecret = 'tickstream-dev-kafka-client';
    secretsManager.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
      }),
    );
    const handler = await loadHandler({
      ...environment,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_SECRET_ID: userSecret,
    });
    await expect(handler({ symbols: ['AAPL'], time: '2026-11-20T15:01:00Z' }, context)).rejects.toThrow(
      `secret ${userSecret}: cannot be read (ResourceNotFoundException)`,
    );
    expect(kafka.connects).toBe(0);
    expect(kafka.sends).toHaveLength(0);
  });

  it('fails at start-up naming a missing setting', async () => {
    await expect(loadHandler({ KAFKA_TOPIC: 'stock-ticks', SIMULATION_SEED: 'unit' })).rejects.toThrow(
      'invalid configuration: KAFKA_BROKERS is required but not set',
    );
  });

  describe('with the Alpha Vantage source', () => {
    const keySecret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tickstream/alphavantage-Q1w2E3';
    let interception: Interception | undefined;
    afterEach(async () => {
      await interception?.stop();
      jest.restoreAllMocks();
    });

    /** The recorded fixtures answer the handler's fetch (jest's sandbox: through the interception's own fetch). */
    function serveFixturesAt(timeMs: number): Interception {
      interception = serveAlphaVantageFixtures({ clock: () => timeMs });
      jest
        .spyOn(globalThis, 'fetch')
        .mockImplementation(((url: string, init: { signal: AbortSignal }) =>
          interception?.fetch(url, init)) as typeof fetch);
      return interception;
    }

    async function loadWithKey(secretString: string) {
      secretsManager
        .on(GetSecretValueCommand, { SecretId: keySecret })
        .resolves({ SecretString: secretString });
      const logged: string[] = [];
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logged.push(String(chunk));
        return true;
      });
      const handler = await loadHandler(
        {
          ...environment,
          MARKET_SOURCE: 'alphavantage',
          ALPHA_VANTAGE_PLAN: 'premium',
          ALPHA_VANTAGE_KEY_SECRET_ID: keySecret,
          // The recorded session lies in the past.
          ALPHA_VANTAGE_MAX_QUOTE_DELAY_SECONDS: String(366 * 86_400),
        },
        'DEBUG',
      );
      return { handler, logged };
    }

    it('reads the key from its secret once per container and publishes tick.v2 quotes, never logging the key', async () => {
      const served = serveFixturesAt(Date.parse('2026-11-20T14:32:00Z'));
      const { handler, logged } = await loadWithKey(JSON.stringify({ apiKey: FIXTURE_API_KEY }));
      const first = await handler({ symbols: ['AAPL', 'KO'], time: '2026-11-20T14:32:00Z' }, context);
      await handler({ symbols: ['AAPL', 'KO'], time: '2026-11-20T14:32:00Z' }, context);
      expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
      expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: keySecret });
      expect(first).toMatchObject({ source: 'alphavantage', schema: 'tick.v2', published: 2, requests: 4 });
      // Overviews once (cached), quotes every run.
      expect(served.requests.map((query) => query.get('function'))).toEqual([
        'OVERVIEW',
        'GLOBAL_QUOTE',
        'OVERVIEW',
        'GLOBAL_QUOTE',
        'GLOBAL_QUOTE',
        'GLOBAL_QUOTE',
      ]);
      const messages = kafka.sends.flatMap((send) => send.messages);
      expect(messages).toHaveLength(4);
      expect(messages[0]?.headers).toMatchObject({ schema: 'tick.v2' });
      expect(JSON.parse(String(messages[0]?.value))).toMatchObject({ volume: null, bid: null, ask: null });
      expect(logged.join('')).toContain('published ticks');
      expect(logged.join('')).not.toContain(FIXTURE_API_KEY);
    });

    it('fails an invocation whose key the provider refuses (the public demo key), saying what to do, publishing nothing', async () => {
      const served = serveFixturesAt(Date.parse('2026-11-20T14:32:00Z'));
      const { handler } = await loadWithKey('demo');
      const failure = handler({ symbols: ['AAPL', 'KO'], time: '2026-11-20T14:32:00Z' }, context);
      await expect(failure).rejects.toThrow(
        /^alphavantage: 1 request\(s\) failed \(0 tick\(s\) from the others were published\): Alpha Vantage refused OVERVIEW for (AAPL|KO): the demo key only answers the documentation's examples; put a key of your own in the secret alphaVantageKeySecretArn names/,
      );
      expect(kafka.sends).toHaveLength(0);
      // The refusal is the same for every symbol: the run stops at the first, spending one request.
      expect(served.requests).toHaveLength(1);
    });

    it('accepts a wrong but non-empty key as the provider does, and publishes what it answers', async () => {
      serveFixturesAt(Date.parse('2026-11-20T14:32:00Z'));
      const { handler, logged } = await loadWithKey('WRONG-KEY-0000');
      await expect(
        handler({ symbols: ['AAPL'], time: '2026-11-20T14:32:00Z' }, context),
      ).resolves.toMatchObject({
        published: 1,
      });
      expect(logged.join('')).not.toContain('WRONG-KEY-0000');
    });
  });
});
