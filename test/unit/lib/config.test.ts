import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadLocalStackConfig, loadProducerConfig } from '../../../lib/config';

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
        retries: 3,
      },
      simulationSeed: 's1',
      disconnectAfterInvoke: false,
    });
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

describe('local stack config', () => {
  it('uses an external broker only when KAFKA_BROKERS is set', () => {
    expect(loadLocalStackConfig({}).externalBrokers).toBeUndefined();
    expect(loadLocalStackConfig({ KAFKA_BROKERS: '127.0.0.1:19092' }).externalBrokers).toEqual([
      '127.0.0.1:19092',
    ]);
  });

  it("takes an external broker's credentials from the environment, and refuses secret ids it cannot read", () => {
    expect(
      loadLocalStackConfig({
        KAFKA_BROKERS: 'b:9096',
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      }).externalAuth,
    ).toEqual({ ssl: {}, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    expect(() =>
      loadLocalStackConfig({
        KAFKA_BROKERS: 'b:9096',
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_SECRET_ID: 'kafka-user',
      }),
    ).toThrow(/the local stack reads no Secrets Manager secrets/);
  });
});
