import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Tick } from '../../lib/contract/tick';
import { landBatch } from '../../lib/land/write';
import { simulateTicks } from '../../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../../lib/market/simulated/symbols';
import { loadReports, loadUniqueTicksView } from '../../lib/reports/catalog';
import { columnarTableDdl } from '../../lib/reports/columnar';
import { parseCsv } from '../../lib/reports/csv';
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
import type { LocalHiveCatalog } from '../../local/services/trino/hive-catalog';
import { kafkaEvent } from '../fixtures/kafka-events';
import { csvValues, type LandedTick, oracleReports } from '../support/report-oracle';
import { testHiveCatalog } from '../support/trino';

const DATA = 'tickstream-oracle-data';
const RESULTS = 'tickstream-oracle-results';
const DAY = '2026-11-20';
const DATABASE = 'tickstream_oracle';
const LAYOUT = DEFAULT_MOVE_LAYOUT;
const reports = loadReports();

/** A bucket, catalog and Athena of their own for one check; stopped after it. */
interface Place {
  s3: LocalS3;
  catalog: LocalHiveCatalog;
  athena: ReturnType<typeof createLocalAthena>;
}
const places: Place[] = [];
afterEach(async () => {
  for (const place of places.splice(0)) {
    await place.catalog.drop();
    await place.s3.stop();
  }
});

async function newPlace(): Promise<Place> {
  const s3 = await startLocalS3({
    storageDir: mkdtempSync(join(tmpdir(), 'oracle-s3-')),
    buckets: [DATA, RESULTS],
    removeOnStop: true,
  });
  const catalog = await testHiveCatalog(s3, DATABASE);
  const place = {
    s3,
    catalog,
    athena: createLocalAthena({ catalog, s3: s3.client, resultsBucket: RESULTS }),
  };
  places.push(place);
  return place;
}

const context = { QueryExecutionContext: { Database: DATABASE } };

/** What the workflow does on a stage's first run: the tables, a crawl of the landed day, the view. */
async function catalogue(place: Place): Promise<void> {
  await place.athena.startQueryExecutionSync({
    QueryString: columnarTableDdl(`s3://${DATA}/columnar/stock_ticks`),
    ...context,
  });
  await createLocalCrawler({
    name: 'oracle',
    database: DATABASE,
    table: 'stock_ticks',
    bucket: DATA,
    prefix: 'raw/stock_ticks/',
    s3: place.s3.client,
    catalog: place.catalog,
  }).start();
  await place.athena.startQueryExecutionSync({ QueryString: loadUniqueTicksView().sql, ...context });
}

/** One move, as the workflow runs it: plan, the part's INSERT, archive. */
async function move(place: Place, at: string): Promise<void> {
  const s3 = place.s3.client;
  const plan = await planMove({ s3, bucket: DATA, layout: LAYOUT, day: DAY, now: new Date(at) });
  expect(plan.objects).toBeGreaterThan(0);
  await place.athena.startQueryExecutionSync({ QueryString: plan.insert, ...context });
  await archiveMove({ s3, bucket: DATA, layout: LAYOUT, manifest: plan.manifest, now: new Date(at) });
}

/** A final day's compaction: one new part, the older ones dropped. */
async function compact(place: Place, at: string): Promise<void> {
  const plan = planCompaction(DAY, new Date(at));
  await place.athena.startQueryExecutionSync({ QueryString: plan.insert, ...context });
  const glue = createLocalPartsCatalog({
    catalog: place.catalog,
    database: DATABASE,
    location: `s3://${DATA}/columnar/stock_ticks`,
  });
  await dropOlderParts({
    glue,
    s3: place.s3.client,
    bucket: DATA,
    layout: LAYOUT,
    database: DATABASE,
    day: DAY,
    keep: plan.part,
    now: new Date(at),
  });
}

/** Every report's CSV text for the day, as the workflow runs them. */
async function reportCsvs(place: Place): Promise<Record<string, string>> {
  const csv: Record<string, string> = {};
  for (const report of reports) {
    const { QueryExecution } = await place.athena.startQueryExecutionSync({
      QueryString: report.sql,
      ...context,
      ExecutionParameters: [`'${DAY}'`],
    });
    const key = QueryExecution.ResultConfiguration.OutputLocation.replace(`s3://${RESULTS}/`, '');
    const object = await place.s3.client.send(new GetObjectCommand({ Bucket: RESULTS, Key: key }));
    csv[report.name] = (await object.Body?.transformToString()) ?? '';
  }
  return csv;
}

/**
 * Every line landed for the day, copies included, once per landed object wherever it is now: in the landing
 * folder, in the archive, or both (a moved object stays in the landing folder for a while).
 */
async function landedLines(place: Place): Promise<LandedTick[]> {
  const objects = new Map<string, string>();
  for (const prefix of [`${LAYOUT.archivePrefix}/dt=${DAY}/`, `${LAYOUT.rawPrefix}/dt=${DAY}/`]) {
    let token: string | undefined;
    do {
      const page = await place.s3.client.send(
        new ListObjectsV2Command({ Bucket: DATA, Prefix: prefix, ContinuationToken: token }),
      );
      for (const { Key } of page.Contents ?? [])
        if (Key !== undefined) objects.set(Key.slice(prefix.length), Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
  const lines: LandedTick[] = [];
  for (const Key of objects.values()) {
    const object = await place.s3.client.send(new GetObjectCommand({ Bucket: DATA, Key }));
    const text = gunzipSync(Buffer.from((await object.Body?.transformToByteArray()) ?? [])).toString();
    for (const line of text.split('\n')) if (line !== '') lines.push(JSON.parse(line) as LandedTick);
  }
  return lines;
}

/** Holds every report's CSV to the oracle's rows for the lines landed, by value. */
function expectOracle(csv: Record<string, string>, lines: readonly LandedTick[]): void {
  const oracle = oracleReports(lines);
  for (const report of reports) {
    const expected = oracle[report.name] ?? [];
    const rows = parseCsv(csv[report.name] ?? '');
    expect([report.name, csvValues(rows, expected)]).toEqual([report.name, expected]);
  }
}

/** Lands ticks as Lambda batches of `perBatch` records, spread over 3 partitions by symbol. */
async function land(
  place: Place,
  ticks: readonly Tick[],
  perBatch: number,
  offsets: number[],
): Promise<void> {
  const symbols = [...new Set(ticks.map((tick) => tick.symbol))].sort();
  for (let start = 0; start < ticks.length; start += perBatch) {
    const batch = ticks.slice(start, start + perBatch).map((value) => {
      const partition = symbols.indexOf(value.symbol) % 3;
      const offset = offsets[partition] ?? 0;
      offsets[partition] = offset + 1;
      return { partition, offset, value };
    });
    await landBatch({ batch: kafkaEvent(batch), s3: place.s3.client, bucket: DATA });
  }
}

/** A tick of a hand-made symbol, with the fields the reports read. */
function tick(symbol: string, second: number, price: number, volume: number): Tick {
  return {
    symbol,
    price,
    volume,
    timestamp: new Date(Date.parse(`${DAY}T14:00:00.000Z`) + second * 1000).toISOString(),
    market_cap: 1_000_000,
    pe_ratio: 20,
    bid: Number((price - 0.01).toFixed(2)),
    ask: Number((price + 0.01).toFixed(2)),
    exchange: 'NYSE',
    seq: second,
  };
}

/**
 * Ticks whose averages, VWAP and change fall exactly on a rounding boundary (…5 in the fifth place), where a
 * double sum lands a hair either side: 800.01 / 8, 80.01 / 8, and 100 × 0.01 / 160.
 */
const TIES: Tick[] = [
  ...Array.from({ length: 7 }, (_, i) => tick('TIEAVG', i, 100, 1)),
  tick('TIEAVG', 7, 100.01, 1),
  ...Array.from({ length: 7 }, (_, i) => tick('TIEVWAP', i, 10, 3)),
  tick('TIEVWAP', 7, 10.01, 3),
  tick('TIEMOVE', 0, 160, 5),
  tick('TIEMOVE', 1, 159.5, 5),
  tick('TIEMOVE', 2, 160.01, 5),
];

describe('every report equals an oracle that does not share its SQL, and the same ticks give the same bytes', () => {
  it('rounding ties: exact, and byte-identical whatever the batches, copies, parts and compaction', async () => {
    const windows = simulateTicks({
      seed: 'oracle-ties',
      profiles: [...SYMBOL_PROFILES.values()].slice(0, 5),
      startMs: Date.parse(`${DAY}T14:30:00Z`),
      endMs: Date.parse(`${DAY}T14:40:00Z`),
      ticksPerSecond: 1,
    });
    const ticks = [...TIES, ...windows];

    // Once: every tick in one batch, nothing moved.
    const once = await newPlace();
    await land(once, ticks, ticks.length, [0, 0, 0]);
    await catalogue(once);
    const reference = await reportCsvs(once);
    expectOracle(reference, await landedLines(once));
    const avg = parseCsv(reference.top_symbols_by_avg_price ?? '');
    expect(avg.find((row) => row[0] === 'TIEAVG')?.[1]).toBe('100.0013');
    expect(parseCsv(reference.vwap_daily ?? '').find((row) => row[0] === 'TIEVWAP')?.[1]).toBe('10.0013');
    expect(parseCsv(reference.biggest_movers ?? '').find((row) => row[0] === 'TIEMOVE')?.[3]).toBe('0.0063');

    // Again: small batches in another order, every tick re-delivered at new offsets, moved in two parts with
    // more landing between, then compacted.
    const again = await newPlace();
    const shuffled = [...ticks].reverse();
    const offsets = [0, 0, 0];
    await land(again, shuffled.slice(0, 200), 7, offsets);
    await catalogue(again);
    await move(again, `${DAY}T15:05:00.000Z`);
    await land(again, shuffled.slice(200), 13, offsets);
    await land(again, ticks, 50, offsets);
    expect(await reportCsvs(again)).toEqual(reference);
    await move(again, `${DAY}T16:05:00.000Z`);
    await land(again, ticks.slice(0, 40), 40, offsets);
    expect(await reportCsvs(again)).toEqual(reference);
    await compact(again, `${DAY}T23:59:00.000Z`);
    const compacted = await reportCsvs(again);
    expect(compacted).toEqual(reference);
    expectOracle(compacted, await landedLines(again));
  });

  // A day simulated, landed, read back and reported twice: past the 2-minute default, still a deadline.
  it('a full simulated day of 5 symbols, a tick every 5 s: in two parts and the landing folder, then compacted', async () => {
    const place = await newPlace();
    const profiles = [...SYMBOL_PROFILES.values()].slice(0, 5);
    const offsets = [0, 0, 0];
    const dayStart = Date.parse(`${DAY}T00:00:00Z`);
    // The day simulated once, a tick every 5 s (the simulator computes about 3,000 ticks a second), landed in
    // five-minute batches: 86,400 ticks in 864 objects.
    const day = simulateTicks({
      seed: 'oracle-day',
      profiles,
      startMs: dayStart,
      endMs: dayStart + 86_400_000,
      ticksPerSecond: 0.2,
    });
    const windows = new Map<number, Tick[]>();
    for (const tick of day) {
      const window = Math.floor((Date.parse(tick.timestamp) - dayStart) / 300_000);
      const ticks = windows.get(window) ?? [];
      ticks.push(tick);
      windows.set(window, ticks);
    }
    const landHours = async (from: number, to: number) => {
      for (let window = from * 12; window < to * 12; window++) {
        const ticks = windows.get(window) ?? [];
        await land(place, ticks, ticks.length, offsets);
      }
    };
    await landHours(0, 8);
    await catalogue(place);
    await move(place, `${DAY}T08:05:00.000Z`);
    await landHours(8, 16);
    await move(place, `${DAY}T16:05:00.000Z`);
    await landHours(16, 24);
    // The grace period of the second move's objects over: they leave the landing folder, as the next run does it.
    await deleteDue({
      s3: place.s3.client,
      bucket: DATA,
      layout: LAYOUT,
      now: new Date(`${DAY}T23:59:00.000Z`),
    });
    const lines = await landedLines(place);
    expect(lines).toHaveLength((5 * 86_400) / 5);
    const partial = await reportCsvs(place);
    expectOracle(partial, lines);
    await compact(place, '2026-11-21T00:05:00.000Z');
    expect(await reportCsvs(place)).toEqual(partial);
  }, 300_000);
});
