import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { landBatch } from '../../lib/land/write';
import { simulateTicks } from '../../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../../lib/market/simulated/symbols';
import { loadUniqueTicksView } from '../../lib/reports/catalog';
import { columnarTableDdl } from '../../lib/reports/columnar';
import {
  archiveMove,
  DEFAULT_MOVE_LAYOUT,
  deleteDue,
  dropOlderParts,
  planCompaction,
  planMove,
} from '../../lib/reports/move';
import { createLocalAthena } from '../../local/aws/athena';
import { createLocalCrawler } from '../../local/aws/glue-crawler';
import { createLocalPartsCatalog } from '../../local/aws/glue-partitions';
import { type LocalS3, startLocalS3 } from '../../local/services/s3/s3';
import { TrinoQueryError } from '../../local/services/trino/client';
import type { LocalHiveCatalog } from '../../local/services/trino/hive-catalog';
import { kafkaEvent } from '../fixtures/kafka-events';
import { testHiveCatalog } from '../support/trino';

const DATA = 'tickstream-atomic-data';
const RESULTS = 'tickstream-atomic-results';
const DAY = '2026-11-20';
const DATABASE = 'tickstream_atomic';
const LAYOUT = DEFAULT_MOVE_LAYOUT;
const context = { QueryExecutionContext: { Database: DATABASE } };
const REFUSALS = new Set(['HIVE_PARTITION_DROPPED_DURING_QUERY', 'HIVE_CANNOT_OPEN_SPLIT']);
let s3: LocalS3;
let catalog: LocalHiveCatalog;
let athena: ReturnType<typeof createLocalAthena>;
let offset = 0;

/** Lands `minutes` of 10 symbols' ticks from `from`, one batch a minute. */
async function land(from: string, minutes: number): Promise<void> {
  const start = Date.parse(from);
  for (let minute = 0; minute < minutes; minute++) {
    const ticks = simulateTicks({
      seed: 'atomic',
      profiles: [...SYMBOL_PROFILES.values()].slice(0, 10),
      startMs: start + minute * 60_000,
      endMs: start + (minute + 1) * 60_000,
      ticksPerSecond: 1,
    });
    await landBatch({
      batch: kafkaEvent(ticks.map((value) => ({ partition: 0, offset: offset++, value }))),
      s3: s3.client,
      bucket: DATA,
    });
  }
}

async function move(at: string): Promise<void> {
  const plan = await planMove({ s3: s3.client, bucket: DATA, layout: LAYOUT, day: DAY, now: new Date(at) });
  await athena.startQueryExecutionSync({ QueryString: plan.insert, ...context });
  await archiveMove({
    s3: s3.client,
    bucket: DATA,
    layout: LAYOUT,
    manifest: plan.manifest,
    now: new Date(at),
  });
}

/** What a reader of the day sees: its ticks and the sum of their prices, through the view. */
async function readDay(): Promise<string> {
  const { rows } = await catalog.client.query(
    `SELECT count(*), CAST(sum(price) AS varchar) FROM stock_ticks_unique WHERE dt = '${DAY}'`,
    { catalog: catalog.name, schema: DATABASE },
  );
  return JSON.stringify(rows[0]);
}

beforeAll(async () => {
  s3 = await startLocalS3({
    storageDir: mkdtempSync(join(tmpdir(), 'atomic-s3-')),
    buckets: [DATA, RESULTS],
    removeOnStop: true,
  });
  catalog = await testHiveCatalog(s3, DATABASE);
  athena = createLocalAthena({ catalog, s3: s3.client, resultsBucket: RESULTS });
  await athena.startQueryExecutionSync({
    QueryString: columnarTableDdl(`s3://${DATA}/columnar/stock_ticks`),
    ...context,
  });
  await land(`${DAY}T14:30:00Z`, 20);
  await createLocalCrawler({
    name: 'atomic',
    database: DATABASE,
    table: 'stock_ticks',
    bucket: DATA,
    prefix: 'raw/stock_ticks/',
    s3: s3.client,
    catalog,
  }).start();
  await athena.startQueryExecutionSync({ QueryString: loadUniqueTicksView().sql, ...context });
  await move(`${DAY}T15:05:00.000Z`);
  await land(`${DAY}T14:50:00Z`, 20);
});

afterAll(async () => {
  await catalog?.drop();
  await s3?.stop();
});

describe('a reader of the day while it is moved and rewritten', () => {
  it('sees the day as it was or as it is after, never between: a reader in a loop through a move and a compaction', async () => {
    const before = await readDay();
    expect(JSON.parse(before)[0]).toBe(40 * 60 * 10);
    const answers: string[] = [];
    // The two refusals a reader may meet, never an answer with part of the day: a query planned with a replaced
    // part that leaves the catalog before its files are listed (HIVE_PARTITION_DROPPED_DURING_QUERY, as the
    // compaction drops an older part), and one that listed a moved object the next run deletes before it is opened
    // (HIVE_CANNOT_OPEN_SPLIT, as the plan step deletes what is due). Athena's engine is Trino: the same names.
    const refused: string[] = [];
    let rewriting = true;
    const reader = (async () => {
      while (rewriting)
        await readDay().then(
          (answer) => answers.push(answer),
          (error: unknown) => {
            if (!(error instanceof TrinoQueryError && REFUSALS.has(error.errorName))) throw error;
            refused.push(error.errorName);
          },
        );
    })();
    // Besides the loop, one read between every two steps: the states between steps are each read at least once,
    // however fast the steps run.
    const between = async () => answers.push(await readDay());
    try {
      const at = new Date(`${DAY}T16:05:00.000Z`);
      const plan = await planMove({ s3: s3.client, bucket: DATA, layout: LAYOUT, day: DAY, now: at });
      await between();
      await athena.startQueryExecutionSync({ QueryString: plan.insert, ...context });
      await between();
      await archiveMove({ s3: s3.client, bucket: DATA, layout: LAYOUT, manifest: plan.manifest, now: at });
      await between();
      const compaction = planCompaction(DAY, new Date(`${DAY}T23:59:00.000Z`));
      await athena.startQueryExecutionSync({ QueryString: compaction.insert, ...context });
      await between();
      await dropOlderParts({
        glue: createLocalPartsCatalog({
          catalog,
          database: DATABASE,
          location: `s3://${DATA}/columnar/stock_ticks`,
        }),
        s3: s3.client,
        bucket: DATA,
        layout: LAYOUT,
        database: DATABASE,
        day: DAY,
        keep: compaction.part,
        now: new Date(`${DAY}T23:59:00.000Z`),
      });
      await between();
    } finally {
      rewriting = false;
      await reader;
    }
    // The grace period over (no query that listed them runs any more): the moved objects and the replaced parts'
    // files are deleted, as the next run does; the day is still whole.
    const due = await deleteDue({
      s3: s3.client,
      bucket: DATA,
      layout: LAYOUT,
      now: new Date('2026-11-21T01:00:00.000Z'),
    });
    expect(due.deleted).toBeGreaterThan(0);
    const after = await readDay();
    expect(after).toBe(before);
    // Five reads between the steps, and what the loop read while they ran.
    expect(answers.length).toBeGreaterThanOrEqual(5);
    expect([...new Set(answers)]).toEqual([before]);
    // Now and then, never a wrong answer.
    expect(refused.length).toBeLessThan(answers.length);
    const { rows } = await catalog.client.query(
      `SELECT count(DISTINCT part) FROM stock_ticks_columnar WHERE dt = '${DAY}'`,
      { catalog: catalog.name, schema: DATABASE },
    );
    expect(rows).toEqual([[1]]);
  });
});
