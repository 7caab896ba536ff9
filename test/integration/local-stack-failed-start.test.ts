import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { KAFKA_VERSION } from '../../local/services/kafka/jars';
import { startLocalStack } from '../../local/stack/local-stack';
import { CACHE_DIR } from '../../local/support/cache';
import { testLogLevel } from '../support/env';
import { commandLine, descendants } from '../support/processes';
import { testTrino } from '../support/trino';

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
    // By command line, which names a process left behind.
    const processesBefore = descendants(process.pid).map(commandLine);
    const kafkaFoldersBefore = stackFolders('kafka-run');
    const s3FoldersBefore = stackFolders('local-s3');
    const catalogsBefore = await catalogs();
    const logged: string[] = [];

    // Its last step fails: Kafka refuses the topic's name (a space is not a legal character), after the broker,
    // S3 and Trino started, beside the making of Trino's catalog and the columnar table.
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
      `started Kafka ${KAFKA_VERSION}`,
      'started local S3',
      'using Trino',
    ]);
    expect(descendants(process.pid).map(commandLine)).toEqual(processesBefore);
    expect(stackFolders('kafka-run')).toEqual(kafkaFoldersBefore);
    expect(stackFolders('local-s3')).toEqual(s3FoldersBefore);
    expect(await catalogs()).toEqual(catalogsBefore);
  }, 180_000);
});
