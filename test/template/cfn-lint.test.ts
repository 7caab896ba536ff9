import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_TEMPLATES_VARIABLE } from '../support/env';

const run = promisify(execFile);

interface LintFinding {
  Filename: string;
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Location: { Path: (string | number)[] };
}

const VARIANTS = ['dev', 'prod', 'byo', 'endpoints', 'alphavantage', 'zones'];

/**
 * cfn-lint (the Python linter, `pip install cfn-lint`) as a second checker of the packaged templates: it knows
 * the allowed values and patterns of each property (ARNs, lengths, enums), which the spec test does not. One run
 * over every variant (Python's start-up is most of a run), its errors by variant.
 */
async function lintErrors(): Promise<Record<string, string[]>> {
  const dir = process.env[TEST_TEMPLATES_VARIABLE];
  if (!dir) throw new Error(`${TEST_TEMPLATES_VARIABLE} is not set: run template tests through jest`);
  const files = VARIANTS.map((variant) => join(dir, `${variant}.json`));
  // cfn-lint exits non-zero when it finds anything (warnings included); its JSON report is what counts.
  const { stdout } = await run('cfn-lint', ['--format', 'json', ...files], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string; code?: unknown; message: string }) => {
    if (typeof error.stdout === 'string' && error.stdout.trim().startsWith('['))
      return { stdout: error.stdout };
    throw new Error(`cfn-lint could not run (install it: pip install cfn-lint): ${error.message}`);
  });
  const findings = JSON.parse(stdout) as LintFinding[];
  // Every finding is attributed to one of the files: none can go unreported under a name not matched below.
  const elsewhere = findings.filter((finding) => !files.includes(finding.Filename));
  if (elsewhere.length > 0)
    throw new Error(
      `cfn-lint reported files it was not given: ${[...new Set(elsewhere.map((f) => f.Filename))].join(', ')}`,
    );
  return Object.fromEntries(
    VARIANTS.map((variant, i) => [
      variant,
      findings
        .filter((finding) => finding.Level === 'Error' && finding.Filename === files[i])
        .map((finding) => `${finding.Rule.Id} at ${finding.Location.Path.join('/')}: ${finding.Message}`),
    ]),
  );
}

let errors: Promise<Record<string, string[]>>;
beforeAll(() => {
  errors = lintErrors();
  // Awaited by each test: a failure shows there, by variant.
  errors.catch(() => undefined);
});

describe.each(VARIANTS)('cfn-lint on the %s template', (variant) => {
  it('finds no errors', async () => {
    expect((await errors)[variant]).toEqual([]);
  });
});
