import type { z } from 'zod';
import { InvalidRequestError } from './errors';

/** Renders zod issues as one line, e.g. `price: Too small: expected number to be >0; exchange: Invalid option`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Validates a request body against a schema, turning every problem into one `InvalidRequestError`. */
export function parseRequest<S extends z.ZodType>(schema: S, what: string, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success)
    throw new InvalidRequestError(what, describeIssues(result.error), { cause: result.error });
  return result.data;
}
