import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TickstreamError } from '../../../lib/shared/errors';

const run = promisify(execFile);

/** The oldest Java the pinned Trino release starts on (Trino 476 requires Java 24). */
export const TRINO_MINIMUM_JAVA = 24;

/** Where machines keep JDKs besides JAVA_HOME: Debian's /usr/lib/jvm (the Temurin 25 JDK lives there). */
const JDK_FOLDERS = ['/usr/lib/jvm'];

/** No Java that Trino accepts was found. */
export class TrinoJavaMissingError extends TickstreamError {
  override name = 'TrinoJavaMissingError';
}

/** The feature version (`17`, `25`) of the JDK at `home`, or undefined when it has no runnable java. */
export async function javaVersion(home: string): Promise<number | undefined> {
  const java = join(home, 'bin', 'java');
  if (!existsSync(java)) return undefined;
  const { stderr } = await run(java, ['-version']).catch(() => ({ stderr: '' }));
  const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr);
  if (!match) return undefined;
  // Java 8 and older say "1.8.0_…".
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/**
 * The JAVA_HOME to run Trino with: TRINO_JAVA_HOME if set, else JAVA_HOME when it is new enough, else the newest
 * JDK under /usr/lib/jvm that is. Only the Trino process gets it; the Kafka broker keeps the default Java.
 */
export async function findTrinoJava(
  env: NodeJS.ProcessEnv = process.env,
  jdkFolders: readonly string[] = JDK_FOLDERS,
): Promise<string> {
  const explicit = env.TRINO_JAVA_HOME;
  if (explicit) {
    const version = await javaVersion(explicit);
    if (version !== undefined && version >= TRINO_MINIMUM_JAVA) return explicit;
    throw new TrinoJavaMissingError(
      `TRINO_JAVA_HOME=${explicit} is ${version === undefined ? 'not a JDK' : `Java ${version}`}; Trino needs Java ${TRINO_MINIMUM_JAVA} or newer`,
    );
  }
  const candidates: { home: string; version: number }[] = [];
  for (const home of [
    ...(env.JAVA_HOME ? [env.JAVA_HOME] : []),
    ...jdkFolders.flatMap((folder) =>
      existsSync(folder) ? readdirSync(folder).map((name) => join(folder, name)) : [],
    ),
  ]) {
    const version = await javaVersion(home);
    if (version !== undefined && version >= TRINO_MINIMUM_JAVA) candidates.push({ home, version });
  }
  const chosen =
    candidates.find((c) => c.home === env.JAVA_HOME) ?? candidates.sort((a, b) => b.version - a.version)[0];
  if (!chosen)
    throw new TrinoJavaMissingError(
      `the local Athena (Trino) needs Java ${TRINO_MINIMUM_JAVA} or newer: set JAVA_HOME or TRINO_JAVA_HOME to such a JDK (none found${env.JAVA_HOME ? `; JAVA_HOME=${env.JAVA_HOME} is older` : ''})`,
    );
  return chosen.home;
}
