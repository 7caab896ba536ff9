import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CACHE_DIR } from '../../support/cache';

/**
 * A real single-node Apache Kafka broker (KRaft, broker + controller in one JVM) run from Maven Central jars.
 * 3.9.x is the last 3.x line: kafkajs 2.2.4 was never tested upstream against 4.x, and 4.x drops the
 * older protocol versions some of its requests start from.
 */
export const KAFKA_VERSION = '3.9.2';

const run = promisify(execFile);
const POM = join(__dirname, 'pom.xml');

/** Folder holding the broker's classpath; filled once by Maven, then reused. */
export function jarDirectory(version = KAFKA_VERSION): string {
  return join(CACHE_DIR, `kafka-${version}`, 'libs');
}

/** Fetches the Kafka jars with Maven into the cache unless a previous fetch completed. */
export async function ensureKafkaJars(version = KAFKA_VERSION): Promise<string> {
  const libs = jarDirectory(version);
  const marker = join(libs, '.complete');
  // The marker holds the pom's hash: a changed pom fetches again.
  const pomHash = createHash('sha256').update(readFileSync(POM)).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === pomHash) return libs;
  mkdirSync(libs, { recursive: true });
  await run(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      POM,
      `-Dkafka.version=${version}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libs}`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(
      `fetching Kafka ${version} jars with Maven failed: ${error.stdout ?? ''}${error.stderr ?? error.message}`,
    );
  });
  writeFileSync(marker, pomHash);
  return libs;
}
