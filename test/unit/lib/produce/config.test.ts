import { describe, expect, it } from '@jest/globals';
import { loadProducerConfig } from '../../../../lib/produce/config';
import { ConfigError } from '../../../../lib/shared/environment';

const complete = {
  KAFKA_BROKERS: '10.0.1.5:9092, 10.0.2.5:9092',
  KAFKA_TOPIC: 'stock-ticks',
  SIMULATION_SEED: 's1',
};

describe('producer config', () => {
  it('parses brokers, topic, seed and applies defaults', () => {
    expect(loadProducerConfig(complete)).toEqual({
      kafka: {
        brokers: ['10.0.1.5:9092', '10.0.2.5:9092'],
        topic: 'stock-ticks',
        clientId: 'tickstream',
        connectionTimeoutMs: 3000,
        requestTimeoutMs: 30_000,
        sendTimeoutMs: 30_000,
        retries: 3,
      },
      market: { source: 'simulated' },
      simulationSeed: 's1',
      simulationAnomalies: [],
      disconnectAfterInvoke: false,
    });
  });

  it('reads the Alpha Vantage source: the key by secret, the pacing and timeouts, with defaults', () => {
    const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tickstream/alphavantage-AbCdEf';
    expect(
      loadProducerConfig({
        ...complete,
        MARKET_SOURCE: 'alphavantage',
        ALPHA_VANTAGE_KEY_SECRET_ID: secret,
        PRODUCER_SCHEDULE_GROUPS: '2',
      }).market,
    ).toEqual({
      source: 'alphavantage',
      apiKey: { secretId: secret },
      alphaVantage: {
        baseUrl: 'https://www.alphavantage.co/query',
        // The plan says what the key can do: free unless the stage says otherwise.
        plan: 'free',
        entitlement: 'realtime',
        dailyRequests: 25,
        callsPerMinute: 75,
        backfillCallsPerMinute: 1,
        scheduleGroups: 2,
        timeoutMs: 10_000,
        retries: 2,
        maxQuoteDelayMs: 120_000,
        backfillTimeBudgetMs: 780_000,
      },
    });
  });

  it('checks the per-minute shares on a premium plan only, and refuses an unknown plan or entitlement', () => {
    const tight = {
      ...complete,
      MARKET_SOURCE: 'alphavantage',
      ALPHA_VANTAGE_API_KEY: 'k',
      ALPHA_VANTAGE_CALLS_PER_MINUTE: '5',
      ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE: '5',
    };
    // A free plan runs no live schedule: its per-minute shares do not matter.
    expect(loadProducerConfig({ ...tight, ALPHA_VANTAGE_PLAN: 'free' }).market).toMatchObject({
      alphaVantage: { plan: 'free' },
    });
    expect(() => loadProducerConfig({ ...tight, ALPHA_VANTAGE_PLAN: 'premium' })).toThrow(
      /leaves 0 request\(s\)/,
    );
    expect(() => loadProducerConfig({ ...tight, ALPHA_VANTAGE_PLAN: 'gold' })).toThrow(
      'ALPHA_VANTAGE_PLAN="gold" is invalid: Invalid option: expected one of "free"|"premium"',
    );
    expect(() => loadProducerConfig({ ...tight, ALPHA_VANTAGE_ENTITLEMENT: 'live' })).toThrow(
      'ALPHA_VANTAGE_ENTITLEMENT="live" is invalid: Invalid option: expected one of "realtime"|"delayed"',
    );
  });

  it('needs exactly one Alpha Vantage key, and never shows a key given in the environment', () => {
    expect(() => loadProducerConfig({ ...complete, MARKET_SOURCE: 'alphavantage' })).toThrow(
      'invalid configuration: ALPHA_VANTAGE_KEY_SECRET_ID (or ALPHA_VANTAGE_API_KEY) is required with MARKET_SOURCE=alphavantage',
    );
    expect(() =>
      loadProducerConfig({
        ...complete,
        MARKET_SOURCE: 'alphavantage',
        ALPHA_VANTAGE_KEY_SECRET_ID: 'tickstream/alphavantage',
        ALPHA_VANTAGE_API_KEY: 'K3Y',
      }),
    ).toThrow('ALPHA_VANTAGE_KEY_SECRET_ID and ALPHA_VANTAGE_API_KEY are both set: set one');
    const bad = () =>
      loadProducerConfig({
        ...complete,
        MARKET_SOURCE: 'alphavantage',
        ALPHA_VANTAGE_API_KEY: ' ',
        ALPHA_VANTAGE_RETRIES: '9',
      });
    expect(bad).toThrow('ALPHA_VANTAGE_RETRIES="9" is invalid');
    expect(() =>
      loadProducerConfig({
        ...complete,
        ALPHA_VANTAGE_API_KEY: 'S3CRET-KEY',
        ALPHA_VANTAGE_CALLS_PER_MINUTE: 'x',
      }),
    ).not.toThrow(/S3CRET-KEY/);
  });

  it('refuses an unknown source and a plan too small for the schedule groups, naming the variables', () => {
    expect(() => loadProducerConfig({ ...complete, MARKET_SOURCE: 'yahoo' })).toThrow(
      'invalid configuration: MARKET_SOURCE="yahoo" is invalid: Invalid option: expected one of "simulated"|"alphavantage"',
    );
    expect(() =>
      loadProducerConfig({
        ...complete,
        MARKET_SOURCE: 'alphavantage',
        ALPHA_VANTAGE_API_KEY: 'k',
        ALPHA_VANTAGE_PLAN: 'premium',
        ALPHA_VANTAGE_CALLS_PER_MINUTE: '5',
        ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE: '4',
        PRODUCER_SCHEDULE_GROUPS: '2',
      }),
    ).toThrow(
      'ALPHA_VANTAGE_CALLS_PER_MINUTE=5 leaves 1 request(s) a minute after ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE=4: fewer than the 2 schedule group(s) (PRODUCER_SCHEDULE_GROUPS) need, one each',
    );
  });

  it('names every missing variable', () => {
    expect(() => loadProducerConfig({ KAFKA_TOPIC: 'stock-ticks' })).toThrow(ConfigError);
    expect(() => loadProducerConfig({ KAFKA_TOPIC: 'stock-ticks' })).toThrow(
      'invalid configuration: KAFKA_BROKERS is required but not set; SIMULATION_SEED is required but not set',
    );
  });

  it('reads SASL_SSL settings: SCRAM-SHA-512 credentials and the private CA to trust', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n';
    expect(
      loadProducerConfig({
        ...complete,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_USERNAME: 'tickstream',
        KAFKA_SASL_PASSWORD: 'pw',
        KAFKA_SSL_CA_PEM: ca,
      }).kafka,
    ).toMatchObject({
      ssl: { ca: [ca] },
      sasl: { mechanism: 'scram-sha-512', username: 'tickstream', password: 'pw' },
    });
    expect(loadProducerConfig(complete).kafka).not.toHaveProperty('sasl');
  });

  it('names the missing credentials of SASL_SSL, and a CA that is not PEM', () => {
    expect(() => loadProducerConfig({ ...complete, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toThrow(
      'invalid configuration: KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL (or KAFKA_SASL_SECRET_ID); KAFKA_SASL_PASSWORD is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL (or KAFKA_SASL_SECRET_ID)',
    );
    expect(() =>
      loadProducerConfig({ ...complete, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u' }),
    ).toThrow('invalid configuration: KAFKA_SASL_PASSWORD is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL');
    expect(() => loadProducerConfig({ ...complete, KAFKA_SSL_CA_PEM: 'not a certificate' })).toThrow(
      /KAFKA_SSL_CA_PEM="not a certificate" is invalid/,
    );
    expect(() => loadProducerConfig({ ...complete, KAFKA_SECURITY_PROTOCOL: 'SSL' })).toThrow(
      /KAFKA_SECURITY_PROTOCOL="SSL" is invalid/,
    );
  });

  it('reads SASL_SSL settings that name Secrets Manager secrets, with the mechanism the stage gives', () => {
    const kafka = loadProducerConfig({
      ...complete,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-user-AbCdEf',
      KAFKA_SSL_CA_SECRET_ID: 'kafka-ca',
    }).kafka;
    expect(kafka.secrets).toEqual({
      sasl: {
        secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-user-AbCdEf',
        mechanism: 'scram-sha-256',
      },
      ca: 'kafka-ca',
    });
    // Nothing to sign in with until the secret is read.
    expect(kafka).not.toHaveProperty('sasl');
    expect(kafka.ssl).toEqual({});
  });

  it('ignores the secret ids of a plaintext stage (sls invoke local against npm run kafka:start)', () => {
    const kafka = loadProducerConfig({
      ...complete,
      KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT',
      KAFKA_SASL_SECRET_ID: 'kafka-user',
    }).kafka;
    expect(kafka).not.toHaveProperty('secrets');
    expect(kafka).not.toHaveProperty('ssl');
  });

  it('refuses credentials or a CA given twice, and an unknown mechanism', () => {
    expect(() =>
      loadProducerConfig({
        ...complete,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_SECRET_ID: 'kafka-user',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SSL_CA_SECRET_ID: 'kafka-ca',
        KAFKA_SSL_CA_PEM: '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n',
      }),
    ).toThrow(
      'invalid configuration: KAFKA_SASL_SECRET_ID and KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are both set: set one; KAFKA_SSL_CA_SECRET_ID and KAFKA_SSL_CA_PEM are both set: set one',
    );
    expect(() => loadProducerConfig({ ...complete, KAFKA_SASL_MECHANISM: 'GSSAPI' })).toThrow(
      /KAFKA_SASL_MECHANISM="GSSAPI" is invalid/,
    );
  });

  it('treats an empty value as missing', () => {
    expect(() => loadProducerConfig({ ...complete, KAFKA_BROKERS: '' })).toThrow(/KAFKA_BROKERS is required/);
  });

  it('names a malformed value and what is wrong with it', () => {
    expect(() => loadProducerConfig({ ...complete, KAFKA_BROKERS: 'broker-without-port' })).toThrow(
      /KAFKA_BROKERS="broker-without-port" is invalid: each broker must be host:port/,
    );
    expect(() => loadProducerConfig({ ...complete, KAFKA_RETRIES: 'many' })).toThrow(
      /KAFKA_RETRIES="many" is invalid/,
    );
  });

  it('closes connections after each invocation only under sls invoke local', () => {
    expect(loadProducerConfig({ ...complete, IS_LOCAL: 'true' }).disconnectAfterInvoke).toBe(true);
  });
});
