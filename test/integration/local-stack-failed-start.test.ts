import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CACHE_DIR, KAFKA_VERSION } from '../../local/kafka/jars';
import { startLocalStack } from '../../local/local-stack';
import { testLogLevel } from '../support/env';
import { testTrino } from '../support/trino';

/** The PIDs whose parent is `pid`, from /proc (the broker's JVM is a child of the process that starts it). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // The fourth field of /proc/PID/stat is the parent; the command name before it is in parentheses.
        const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // gone between the listing and the read
      }
    })
    .map(Number)
    .sort((a, b) => a - b);
}

/** This process's stack folders under `.cache/<kind>/` (a stack's run id starts with its process's PID). */
function stackFolders(kind: 'kafka-run' | 'local-s3'): string[] {
  const folder = join(CACHE_DIR, kind);
  // A fresh clone has none of them until a stack has run.
  if (!existsSync(folder)) return [];
  return readdirSync(folder).filter((name) => name.startsWith(`stack-${process.pid}-`));
}

describe('a local stack that fails to start', () => {
  it('stops its broker, its S3 endpoint and its catalog, and says which step failed', async () => {
    const trino = testTrino();
    const catalogs = async () =>
      (await trino.query('SHOW CATALOGS')).rows
        .map(([name]) => String(name))
        .filter((name) => name.startsWith(`tickstream_${process.pid}_`));
    const childrenBefore = childrenOf(process.pid);
    const kafkaFoldersBefore = stackFolders('kafka-run');
    const s3FoldersBefore = stackFolders('local-s3');
    const catalogsBefore = await catalogs();
    const logged: string[] = [];

    // Its last step fails: Kafka refuses the topic's name (a space is not a legal character), after the broker,
    // S3, Trino's catalog and the curated table were all made.
    await expect(
      startLocalStack({
        stage: 'dev',
        ownBroker: true,
        topic: 'stock ticks',
        functionLogLevel: testLogLevel(),
        log: (line) => logged.push(line),
      }),
    ).rejects.toThrow(/^Kafka at 127\.0\.0\.1:\d+ cannot serve topic stock ticks: .+/);

    expect(logged.map((line) => line.split(' at ')[0])).toEqual([
      `started Kafka ${KAFKA_VERSION} (KRaft, SASL_SSL)`,
      'started local S3',
      'using Trino',
    ]);
    expect(childrenOf(process.pid)).toEqual(childrenBefore);
    expect(stackFolders('kafka-run')).toEqual(kafkaFoldersBefore);
    expect(stackFolders('local-s3')).toEqual(s3FoldersBefore);
    expect(await catalogs()).toEqual(catalogsBefore);
  }, 180_000);
});
