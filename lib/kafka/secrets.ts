import { parseJsonSecret, SecretError, type SecretReader } from '../shared/secrets';
import { type KafkaSettings, saslCredentials } from './settings';

/**
 * Kafka settings with their secrets read: the SASL user from `secrets.sasl` (`{"username", "password"}`, the
 * mapping's SASL_SCRAM_*_AUTH format) and the CA from `secrets.ca` (`{"certificate"}`, the mapping's
 * SERVER_ROOT_CA_CERTIFICATE format). Settings without secrets are returned as they are.
 */
export async function resolveKafkaSecrets(params: {
  settings: KafkaSettings;
  readSecret: SecretReader;
}): Promise<KafkaSettings> {
  const { secrets, ...settings } = params.settings;
  if (!secrets) return params.settings;
  const { sasl, ca } = secrets;
  const [credentials, certificate] = await Promise.all([
    sasl &&
      params
        .readSecret(sasl.secretId)
        .then((text) =>
          parseJsonSecret({ secretId: sasl.secretId, text, fields: ['username', 'password'] as const }),
        ),
    ca &&
      params.readSecret(ca).then((text) => {
        const { certificate } = parseJsonSecret({ secretId: ca, text, fields: ['certificate'] });
        if (!certificate.includes('-----BEGIN CERTIFICATE-----'))
          throw new SecretError(ca, 'has a "certificate" that is not PEM');
        return certificate;
      }),
  ]);
  return {
    ...settings,
    ...(sasl && credentials
      ? { sasl: saslCredentials(sasl.mechanism, credentials.username, credentials.password) }
      : {}),
    ...(certificate ? { ssl: { ...settings.ssl, ca: [certificate] } } : {}),
  };
}
