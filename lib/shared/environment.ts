import { z } from 'zod';
import { TickstreamError } from './errors';

/**
 * Reading a function's settings from its environment: each is parsed once, validated, and a missing or malformed
 * value fails at start-up with its variable named. Each stage's module (produce, land, reports) has its schema.
 */

/** A process environment, or the variables the local stack gives one function. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Raised when the environment lacks a required value or holds a malformed one. */
export class ConfigError extends TickstreamError {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

/** A whole number from 1 to `max`, `fallback` when unset. */
export const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().positive().max(max).default(fallback);

/** An S3 bucket name. */
export const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');

/**
 * Parses an environment against a schema. An empty string is as good as unset (serverless renders a missing
 * param as ''); the values of `hidden` variables never appear in an error.
 */
export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: Environment,
  hidden: ReadonlySet<string> = new Set(),
): z.output<S> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      if (present[name] === undefined) return `${name} is required but not set`;
      const shown = hidden.has(name) ? '(value hidden)' : JSON.stringify(present[name]);
      return `${name}=${shown} is invalid: ${issue.message}`;
    }),
  );
}
