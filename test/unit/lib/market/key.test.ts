import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { apiKeyReader } from '../../../../lib/market';
import { SecretError, secretsManagerReader } from '../../../../lib/shared/secrets';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tickstream/alphavantage-Q1w2E3';
const KEY = 'AV-9Z8Y7X6W5V';
const secretsManager = mockClient(SecretsManagerClient);
afterEach(() => {
  secretsManager.reset();
});

describe('the Alpha Vantage key (Secrets Manager, once per container)', () => {
  it.each([
    ['a plain string', KEY],
    ['{"apiKey": …}', JSON.stringify({ apiKey: KEY })],
  ])('reads %s once and hands out the key on every call', async (_form, secretString) => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: secretString });
    const key = apiKeyReader({ key: { secretId: SECRET }, readSecret: secretsManagerReader() });
    await expect(key()).resolves.toBe(KEY);
    await expect(key()).resolves.toBe(KEY);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET });
  });

  it('names the secret, never its value, when the JSON lacks "apiKey"', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ key: KEY }) });
    const key = apiKeyReader({ key: { secretId: SECRET }, readSecret: secretsManagerReader() });
    const failure = key();
    await expect(failure).rejects.toThrow(new SecretError(SECRET, 'lacks the string field(s) "apiKey"'));
    await expect(failure).rejects.not.toThrow(KEY);
  });

  it('asks again on the next call after a failed read (a secret created after the deploy)', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(
        Object.assign(new Error('Secrets Manager can’t find the specified secret.'), {
          name: 'ResourceNotFoundException',
        }),
      )
      .resolves({ SecretString: KEY });
    const key = apiKeyReader({ key: { secretId: SECRET }, readSecret: secretsManagerReader() });
    await expect(key()).rejects.toThrow(`secret ${SECRET}: cannot be read (ResourceNotFoundException)`);
    await expect(key()).resolves.toBe(KEY);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('uses a key given directly (local runs) without Secrets Manager', async () => {
    await expect(apiKeyReader({ key: { value: KEY } })()).resolves.toBe(KEY);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });
});
