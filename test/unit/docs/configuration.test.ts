import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '..', '..', '..');
const page = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');

/** The names a table of the page lists in its `column`-th column (code-formatted names only). */
function namesInTable(header: string, column: number): Set<string> {
  const start = page.indexOf(header);
  const names = new Set<string>();
  for (const line of page.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const cell = line.split('|')[column + 1] ?? '';
    for (const match of cell.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)) if (match[1]) names.add(match[1]);
  }
  return names;
}

/** Every environment variable a config schema in lib/ reads: the upper-case keys of its zod objects. */
function variablesRead(): string[] {
  const files = readdirSync(join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' }).filter((file) =>
    /(config|settings|environment)\.ts$/.test(file),
  );
  const names = new Set<string>();
  for (const file of files)
    for (const match of readFileSync(join(ROOT, 'lib', file), 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+): z/gm))
      if (match[1]) names.add(match[1]);
  return [...names].sort();
}

describe('docs/configuration.md', () => {
  it('lists every environment variable a function reads, in its one table', () => {
    const variables = variablesRead();
    expect(variables.length).toBeGreaterThan(20);
    const documented = namesInTable('| function | variable |', 1);
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists every environment variable serverless.yml gives a function', () => {
    const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'error' }) as {
      provider: { environment?: Record<string, unknown> };
      functions: Record<string, { environment?: Record<string, unknown> }>;
    };
    const given = new Set([
      ...Object.keys(config.provider.environment ?? {}),
      ...Object.values(config.functions).flatMap((fn) => Object.keys(fn.environment ?? {})),
    ]);
    expect(given.size).toBeGreaterThan(10);
    const documented = namesInTable('| function | variable |', 1);
    expect([...given].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists every variable the local tooling and the tests read from the environment', () => {
    const read = new Set<string>();
    for (const folder of ['local', 'test', 'bench'])
      for (const file of readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' }))
        if (file.endsWith('.ts'))
          for (const match of readFileSync(join(ROOT, folder, file), 'utf8').matchAll(
            /process\.env\.([A-Z][A-Z0-9_]+)/g,
          ))
            if (match[1]) read.add(match[1]);
    // Set by Lambda or the system, not by a user.
    for (const name of ['PATH', 'AWS_LAMBDA_INITIALIZATION_TYPE']) read.delete(name);
    expect(read.size).toBeGreaterThan(2);
    const documented = namesInTable('| variable | default | what it does |', 0);
    expect([...read].filter((name) => !documented.has(name))).toEqual([]);
  });

  it("lists the local stage's parameters", () => {
    const params = Object.keys(
      (
        parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'error' }) as {
          params: { local: object };
        }
      ).params.local,
    );
    expect(params.length).toBeGreaterThan(1);
    const documented = namesInTable('| param | local |', 0);
    expect(
      [...params, 'localKafkaBrokers', 'localS3Endpoint'].filter((name) => !documented.has(name)),
    ).toEqual([]);
  });

  it('lists every stage parameter of serverless.yml with what it sets', () => {
    const params = Object.keys(
      (
        parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'error' }) as {
          params: { default: object };
        }
      ).params.default,
    );
    const documented = namesInTable('| param | default |', 0);
    expect(params.filter((name) => !documented.has(name))).toEqual([]);
  });
});
