import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CACHE_DIR } from '../../support/cache';

/**
 * The Trino release the local stack runs as Athena. Athena engine version 3 is built on Trino; 476 is the newest
 * release Maven Central serves both as a server tarball and as a Hive connector plugin zip (../shared notes,
 * trino-local.md). It needs Java 24 or newer (see ./java.ts).
 */
export const TRINO_VERSION = '476';

const run = promisify(execFile);
// maven-dependency-plugin pinned: `copy` with `-Dartifact` needs 3.x, and Maven 3.8's default binding is 2.8.
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/** The folder of an unpacked Trino server with the Hive connector in `plugin/hive/`. */
export function trinoHome(version = TRINO_VERSION): string {
  return join(CACHE_DIR, `trino-${version}`);
}

async function mavenCopy(artifact: string, outputDirectory: string): Promise<void> {
  await run(
    'mvn',
    [
      '-q',
      '-B',
      `${DEPENDENCY_PLUGIN}:copy`,
      `-Dartifact=${artifact}`,
      `-DoutputDirectory=${outputDirectory}`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(
      `fetching ${artifact} with Maven failed: ${error.stdout ?? ''}${error.stderr ?? error.message}`,
    );
  });
}

/** Whether the pinned Trino is unpacked in the cache already (a first run fetches it: about 450 MB). */
export function isTrinoCached(version = TRINO_VERSION): boolean {
  const marker = join(trinoHome(version), '.complete');
  return existsSync(marker) && readFileSync(marker, 'utf8') === version;
}

/**
 * Fetches the Trino server and its Hive connector from Maven Central (through the local Maven repository, so a
 * second clone on the machine downloads nothing) and unpacks them into the cache, once. The marker file names the
 * version: a half-unpacked server from an interrupted run is unpacked again.
 */
export async function ensureTrino(version = TRINO_VERSION): Promise<string> {
  const home = trinoHome(version);
  if (isTrinoCached(version)) return home;
  const downloads = join(CACHE_DIR, 'downloads');
  mkdirSync(downloads, { recursive: true });
  await mavenCopy(`io.trino:trino-server-core:${version}:tar.gz`, downloads);
  await mavenCopy(`io.trino:trino-hive:${version}:zip`, downloads);

  const staging = `${home}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await run('tar', [
    'xzf',
    join(downloads, `trino-server-core-${version}.tar.gz`),
    '-C',
    staging,
    '--strip-components=1',
  ]);
  // The plugin zip holds one folder (trino-hive-<version>/) of jars: it becomes plugin/hive/. Python's zipfile
  // unpacks it: python3 is on every machine this runs on, `unzip` is not.
  const pluginStaging = join(staging, 'plugin', '.hive-unpacked');
  await run('python3', ['-m', 'zipfile', '-e', join(downloads, `trino-hive-${version}.zip`), pluginStaging]);
  const [unpacked] = readdirSync(pluginStaging);
  if (!unpacked) throw new Error(`the Trino Hive plugin zip of ${version} is empty`);
  renameSync(join(pluginStaging, unpacked), join(staging, 'plugin', 'hive'));
  rmSync(pluginStaging, { recursive: true, force: true });
  writeFileSync(join(staging, '.complete'), version);
  rmSync(home, { recursive: true, force: true });
  renameSync(staging, home);
  return home;
}
