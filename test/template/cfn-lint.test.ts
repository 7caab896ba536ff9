import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { TEST_TEMPLATES_VARIABLE } from '../support/env';

const run = promisify(execFile);

interface LintFinding {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Location: { Path: (string | number)[] };
}

/**
 * cfn-lint (the Python linter, `pip install cfn-lint`) as a second checker of the packaged templates: it knows
 * the allowed values and patterns of each property (ARNs, lengths, enums), which the spec test does not.
 */
async function lintErrors(variant: string): Promise<string[]> {
  const dir = process.env[TEST_TEMPLATES_VARIABLE];
  if (!dir) throw new Error(`${TEST_TEMPLATES_VARIABLE} is not set: run template tests through jest`);
  // cfn-lint exits non-zero when it finds anything (warnings included); its JSON report is what counts.
  const { stdout } = await run('cfn-lint', ['--format', 'json', join(dir, `${variant}.json`)], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string; code?: unknown; message: string }) => {
    if (typeof error.stdout === 'string' && error.stdout.trim().startsWith('['))
      return { stdout: error.stdout };
    throw new Error(`cfn-lint could not run (install it: pip install cfn-lint): ${error.message}`);
  });
  return (JSON.parse(stdout) as LintFinding[])
    .filter((finding) => finding.Level === 'Error')
    .map((finding) => `${finding.Rule.Id} at ${finding.Location.Path.join('/')}: ${finding.Message}`);
}

describe.each(['dev', 'prod', 'byo', 'endpoints', 'alphavantage'])(
  'cfn-lint on the %s template',
  (variant) => {
    it('finds no errors', async () => {
      expect(await lintErrors(variant)).toEqual([]);
    });
  },
);
