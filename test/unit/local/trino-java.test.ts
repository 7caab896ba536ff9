import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { findTrinoJava, javaVersion } from '../../../local/services/trino/java';

/** A JDK folder whose bin/java prints what `java -version` prints for that version. */
function fakeJdk(root: string, name: string, versionLine: string): string {
  const home = join(root, name);
  mkdirSync(join(home, 'bin'), { recursive: true });
  writeFileSync(join(home, 'bin', 'java'), `#!/bin/sh\necho '${versionLine}' >&2\n`);
  chmodSync(join(home, 'bin', 'java'), 0o755);
  return home;
}

describe("the local Trino's Java", () => {
  const root = mkdtempSync(join(tmpdir(), 'jdks-'));
  const jdk17 = fakeJdk(root, 'jdk-17', 'openjdk version "17.0.15" 2025-04-15');
  const jdk25 = fakeJdk(root, 'jdk-25', 'openjdk version "25.0.3" 2026-04-21');
  const jdk8 = fakeJdk(root, 'jdk-8', 'java version "1.8.0_412"');

  it('reads the feature version from java -version', async () => {
    expect(await javaVersion(jdk17)).toBe(17);
    expect(await javaVersion(jdk25)).toBe(25);
    expect(await javaVersion(jdk8)).toBe(8);
    expect(await javaVersion(join(root, 'missing'))).toBeUndefined();
  });

  it('takes TRINO_JAVA_HOME, else JAVA_HOME when new enough', async () => {
    expect(await findTrinoJava({ TRINO_JAVA_HOME: jdk25, JAVA_HOME: jdk17 })).toBe(jdk25);
    expect(await findTrinoJava({ JAVA_HOME: jdk25 })).toBe(jdk25);
  });

  it('refuses a TRINO_JAVA_HOME that is too old, naming it and the version needed', async () => {
    await expect(findTrinoJava({ TRINO_JAVA_HOME: jdk17 })).rejects.toThrow(
      `TRINO_JAVA_HOME=${jdk17} is Java 17; Trino needs Java 24 or newer`,
    );
  });

  it('with an old JAVA_HOME and no newer JDK anywhere, fails in one line naming JAVA_HOME and Java 24', async () => {
    const error = await findTrinoJava({ JAVA_HOME: jdk17 }, [join(root, 'empty')]).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TrinoJavaMissingError');
    expect((error as Error).message).toBe(
      `the local Athena (Trino) needs Java 24 or newer: set JAVA_HOME or TRINO_JAVA_HOME to such a JDK (none found; JAVA_HOME=${jdk17} is older)`,
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('finds the newest new-enough JDK in the JDK folders when JAVA_HOME is old', async () => {
    expect(await findTrinoJava({ JAVA_HOME: jdk17 }, [root])).toBe(jdk25);
  });
});
