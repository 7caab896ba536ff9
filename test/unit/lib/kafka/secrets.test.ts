import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { resolveKafkaSecrets } from '../../../../lib/kafka/secrets';
import type { KafkaSettings } from '../../../../lib/kafka/settings';
import { createTickPublisher, KafkaUnavailableError } from '../../../../lib/produce/publisher';
import { SecretError, type SecretReader, secretsManagerReader } from '../../../../lib/shared/secrets';
import { fakeProducer, testKafkaSettings } from '../../../fixtures/fake-producer';
import { CA_PEM, CA_SECRET, mockSecretsManager, PASSWORD, USER_SECRET } from '../../../fixtures/secrets';
import { sampleTick } from '../../../fixtures/ticks';

const secretSettings: KafkaSettings = {
  ...testKafkaSettings,
  ssl: {},
  secrets: { sasl: { secretId: USER_SECRET, mechanism: 'scram-sha-512' }, ca: CA_SECRET },
};

const { secretsManager, serveSecrets } = mockSecretsManager();

describe('resolveKafkaSecrets', () => {
  const reader =
    (values: Record<string, string>): SecretReader =>
    async (id) => {
      const value = values[id];
      if (value === undefined) throw new SecretError(id, 'cannot be read (ResourceNotFoundException)');
      return value;
    };

  it('signs in with the user secret and trusts the CA secret, with the configured mechanism', async () => {
    const resolved = await resolveKafkaSecrets({
      settings: {
        ...secretSettings,
        secrets: { sasl: { secretId: USER_SECRET, mechanism: 'scram-sha-256' }, ca: CA_SECRET },
      },
      readSecret: reader({
        [USER_SECRET]: JSON.stringify({ username: 'tickstream', password: PASSWORD }),
        [CA_SECRET]: JSON.stringify({ certificate: CA_PEM }),
      }),
    });
    expect(resolved).toEqual({
      ...testKafkaSettings,
      ssl: { ca: [CA_PEM] },
      sasl: { mechanism: 'scram-sha-256', username: 'tickstream', password: PASSWORD },
    });
  });

  it("keeps Node's trusted CAs when only the user is a secret (a broker with a public certificate)", async () => {
    const resolved = await resolveKafkaSecrets({
      settings: {
        ...testKafkaSettings,
        ssl: {},
        secrets: { sasl: { secretId: USER_SECRET, mechanism: 'plain' } },
      },
      readSecret: reader({ [USER_SECRET]: JSON.stringify({ username: 'u', password: PASSWORD }) }),
    });
    expect(resolved.ssl).toEqual({});
    expect(resolved.sasl).toEqual({ mechanism: 'plain', username: 'u', password: PASSWORD });
    expect(resolved).not.toHaveProperty('secrets');
  });

  it('refuses a CA secret whose certificate is not PEM (the broker bootstrap has not stored it yet)', async () => {
    const resolving = resolveKafkaSecrets({
      settings: secretSettings,
      readSecret: reader({
        [USER_SECRET]: JSON.stringify({ username: 'tickstream', password: PASSWORD }),
        [CA_SECRET]: JSON.stringify({ certificate: 'pending' }),
      }),
    });
    await expect(resolving).rejects.toThrow(`secret ${CA_SECRET}: has a "certificate" that is not PEM`);
  });

  it('returns settings without secrets unchanged, reading nothing', async () => {
    const readSecret = async (): Promise<string> => {
      throw new Error('no secret should be read');
    };
    await expect(resolveKafkaSecrets({ settings: testKafkaSettings, readSecret })).resolves.toBe(
      testKafkaSettings,
    );
  });
});

describe('a publisher whose settings name secrets', () => {
  const ticks = [sampleTick()];

  it('reads them once, at its first connection, and connects with what they hold', async () => {
    serveSecrets({
      [USER_SECRET]: JSON.stringify({ username: 'tickstream', password: PASSWORD }),
      [CA_SECRET]: JSON.stringify({ certificate: CA_PEM }),
    });
    const { producer, calls } = fakeProducer();
    const connectedWith: KafkaSettings[] = [];
    const publisher = createTickPublisher({
      settings: secretSettings,
      readSecret: secretsManagerReader(),
      createProducer: (settings) => {
        connectedWith.push(settings);
        return producer;
      },
    });
    expect(secretsManager).not.toHaveReceivedCommand(GetSecretValueCommand);
    await publisher.publish({ ticks, source: 'test' });
    await publisher.publish({ ticks, source: 'test' });
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: USER_SECRET });
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: CA_SECRET });
    expect(connectedWith).toEqual([
      {
        ...testKafkaSettings,
        ssl: { ca: [CA_PEM] },
        sasl: { mechanism: 'scram-sha-512', username: 'tickstream', password: PASSWORD },
      },
    ]);
    expect(calls.connect).toBe(1);
    expect(calls.sends).toHaveLength(2);
  });

  it('reads the secrets again after a refused connection (a rotated password)', async () => {
    serveSecrets({
      [USER_SECRET]: JSON.stringify({ username: 'tickstream', password: PASSWORD }),
      [CA_SECRET]: JSON.stringify({ certificate: CA_PEM }),
    });
    const { producer, calls } = fakeProducer({ failConnect: 1 });
    const publisher = createTickPublisher({
      settings: secretSettings,
      readSecret: secretsManagerReader(),
      createProducer: () => producer,
    });
    await expect(publisher.publish({ ticks, source: 'test' })).rejects.toThrow(KafkaUnavailableError);
    await expect(publisher.publish({ ticks, source: 'test' })).resolves.toEqual({ published: 1, sends: 1 });
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 4);
    expect(calls.connect).toBe(2);
  });

  it("fails with the secret's own error, publishing nothing, and never shows the password", async () => {
    serveSecrets({
      [USER_SECRET]: JSON.stringify({ password: PASSWORD }),
      [CA_SECRET]: JSON.stringify({ certificate: CA_PEM }),
    });
    const { producer, calls } = fakeProducer();
    const publisher = createTickPublisher({
      settings: secretSettings,
      readSecret: secretsManagerReader(),
      createProducer: () => producer,
    });
    const publishing = publisher.publish({ ticks, source: 'test' });
    await expect(publishing).rejects.toThrow(SecretError);
    await expect(publishing).rejects.toThrow(`secret ${USER_SECRET}: lacks the string field(s) "username"`);
    await expect(publishing).rejects.not.toThrow(PASSWORD);
    expect(calls.connect).toBe(0);
    expect(calls.sends).toHaveLength(0);
  });

  it('cannot be made without a reader for the secrets its settings name', () => {
    expect(() => createTickPublisher({ settings: secretSettings })).toThrow(
      'the Kafka settings name Secrets Manager secrets but no secret reader was given',
    );
  });
});
