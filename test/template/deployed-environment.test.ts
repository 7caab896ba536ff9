import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DEPLOYING_SHELL, packagedTemplates, resourcesOfType } from '../support/template';

const ROOT = resolve(__dirname, '..', '..');
const templates = packagedTemplates();

/** Every function's environment variables in a template, by function. */
function environments(variant: keyof typeof templates): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    resourcesOfType(templates[variant], 'AWS::Lambda::Function').map(([id, fn]) => [
      id,
      (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    ]),
  );
}

describe("a deployed function's configuration comes from stage params and the stack only", () => {
  it('resolves nothing from the deploying shell: no ${env:} in serverless.yml or its resources', () => {
    const files = [
      'serverless.yml',
      ...readdirSync(join(ROOT, 'resources')).map((name) => `resources/${name}`),
    ];
    const withEnv = files.filter((file) => readFileSync(join(ROOT, file), 'utf8').includes('${env:'));
    expect(withEnv).toEqual([]);
  });

  it.each(['dev', 'prod', 'byo'] as const)(
    '%s: packaged from a shell holding the local broker’s variables, no function sees them',
    (variant) => {
      const text = JSON.stringify(environments(variant));
      for (const value of Object.values(DEPLOYING_SHELL)) expect(text).not.toContain(value);
      for (const [id, variables] of Object.entries(environments(variant))) {
        if (!('KAFKA_BROKERS' in variables)) continue;
        expect({ id, protocol: variables.KAFKA_SECURITY_PROTOCOL }).toEqual({ id, protocol: 'SASL_SSL' });
        expect({ id, user: variables.KAFKA_SASL_USERNAME }).toEqual({ id, user: undefined });
      }
      // The S3 endpoint is the SDK's regional one: an empty value is no endpoint (lib/shared/environment.ts).
      for (const variables of Object.values(environments(variant)))
        if ('S3_ENDPOINT' in variables) expect(variables.S3_ENDPOINT).toBe('');
    },
  );
});
