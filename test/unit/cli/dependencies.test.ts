import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '..', '..', '..');

/** Every source file of this repository that `entry` loads, directly or through others (esbuild's import graph). */
async function sourcesLoadedBy(entry: string): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: [resolve(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(metafile.inputs).sort();
}

describe('the operator CLI', () => {
  it('loads nothing of the local development stack: only the domain (lib/) and itself', async () => {
    const sources = await sourcesLoadedBy('cli/tickstream.ts');
    expect(sources).toContain('lib/operator/status.ts');
    expect(sources.filter((source) => !source.startsWith('lib/') && !source.startsWith('cli/'))).toEqual([]);
  });
});
