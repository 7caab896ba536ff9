import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { parseJsonSecret, SecretError, secretsManagerReader } from '../../../../lib/shared/secrets';
import { CA_SECRET, mockSecretsManager, PASSWORD, USER_SECRET } from '../../../fixtures/secrets';

const { secretsManager, serveSecrets } = mockSecretsManager();

describe('secretsManagerReader (Powertools parameters)', () => {
  it('asks Secrets Manager for the secret by id each time it is called', async () => {
    serveSecrets({ [USER_SECRET]: '{"username":"tickstream"}' });
    const read = secretsManagerReader();
    await expect(read(USER_SECRET)).resolves.toBe('{"username":"tickstream"}');
    await expect(read(USER_SECRET)).resolves.toBe('{"username":"tickstream"}');
    // No cache of its own: the publisher decides when to read again (after a failed sign-in).
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: USER_SECRET });
  });

  it('turns a refused read into a SecretError naming the secret and the AWS error', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), {
        name: 'AccessDeniedException',
      }),
    );
    const read = secretsManagerReader()(USER_SECRET);
    await expect(read).rejects.toThrow(SecretError);
    await expect(read).rejects.toThrow(`secret ${USER_SECRET}: cannot be read (AccessDeniedException)`);
  });

  it('refuses a binary secret', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    await expect(secretsManagerReader()(CA_SECRET)).rejects.toThrow(
      `secret ${CA_SECRET}: holds no string (SecretString)`,
    );
  });
});

describe('parseJsonSecret', () => {
  it('returns the named string fields', () => {
    expect(
      parseJsonSecret({
        secretId: 's',
        text: '{"username":"u","password":"p","engine":"kafka"}',
        fields: ['username', 'password'],
      }),
    ).toEqual({ username: 'u', password: 'p' });
  });

  it.each([
    ['not JSON', `password=${PASSWORD}`, 'secret s: is not JSON'],
    ['a JSON array', `["${PASSWORD}"]`, 'secret s: is not a JSON object'],
    ['missing a field', `{"password":"${PASSWORD}"}`, 'secret s: lacks the string field(s) "username"'],
    [
      'empty or non-string fields',
      '{"username":"","password":7}',
      'lacks the string field(s) "username", "password"',
    ],
  ])('names what is wrong with a secret %s, never quoting it', (_case, text, message) => {
    const parse = () => parseJsonSecret({ secretId: 's', text, fields: ['username', 'password'] });
    expect(parse).toThrow(SecretError);
    expect(parse).toThrow(message);
    expect(parse).not.toThrow(PASSWORD);
  });
});
