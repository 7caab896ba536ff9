import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { TickstreamError, type TickstreamErrorOptions } from './errors';

/** Reads a secret's string by id or ARN. Injected, so the domain can be tested without Secrets Manager. */
export type SecretReader = (secretId: string) => Promise<string>;

/** Raised when a secret cannot be read or does not hold what it should; names the secret, never its value. */
export class SecretError extends TickstreamError {
  constructor(
    readonly secretId: string,
    problem: string,
    options?: TickstreamErrorOptions,
  ) {
    super(`secret ${secretId}: ${problem}`, options);
    this.name = 'SecretError';
  }
}

/**
 * The functions' Secrets Manager reader (Powertools parameters). It always asks Secrets Manager: its callers keep
 * what they read for the container's life and ask again only after a failure (a rotated secret).
 */
export function secretsManagerReader(): SecretReader {
  return async (secretId) => {
    const value = await getSecret(secretId, { forceFetch: true }).catch((error: unknown) => {
      // Powertools wraps the SDK's error (AccessDeniedException, ResourceNotFoundException…) in a GetParameterError.
      const reason = ((error as Error).cause as Error | undefined) ?? (error as Error);
      // Retriable: Secrets Manager may answer next time (a throttle, a permission being deployed).
      throw new SecretError(secretId, `cannot be read (${reason.name})`, { cause: error, retriable: true });
    });
    if (typeof value !== 'string') throw new SecretError(secretId, 'holds no string (SecretString)');
    return value;
  };
}

/** The fields of a JSON secret, or a SecretError naming what is wrong (never quoting the value). */
export function parseJsonSecret<K extends string>(params: {
  secretId: string;
  text: string;
  fields: readonly K[];
}): Record<K, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(params.text);
  } catch {
    throw new SecretError(params.secretId, 'is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SecretError(params.secretId, 'is not a JSON object');
  const record = parsed as Record<string, unknown>;
  const missing = params.fields.filter((field) => typeof record[field] !== 'string' || record[field] === '');
  if (missing.length > 0)
    throw new SecretError(
      params.secretId,
      `lacks the string field(s) ${missing.map((f) => `"${f}"`).join(', ')}`,
    );
  return Object.fromEntries(params.fields.map((field) => [field, record[field] as string])) as Record<
    K,
    string
  >;
}
