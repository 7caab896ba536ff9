import { describe, expect, it } from '@jest/globals';
import { loadLocalStackConfig } from '../../../local/stack/config';

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
