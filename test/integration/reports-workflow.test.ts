import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { loadReports } from '../../lib/reports/catalog';
import { parseCsv } from '../../lib/reports/csv';
import type { RunManifest } from '../../lib/reports/publish-reports';
import type { LocalEventSourceMapping } from '../../local/aws/event-source-mapping';
import { endOffsets } from '../../local/services/kafka/topic';
import { readS3Text } from '../../local/services/s3/s3';
import { reportsDefinition } from '../support/definition';
import { produceMinutes, useTestStack } from '../support/local-stack';

const stack = useTestStack();
/** The mapping the end-to-end test starts; later tests land more ticks through it. */
let mapping: LocalEventSourceMapping | undefined;
/** The ticks the end-to-end test published for 2026-11-20. */
let produced = 0;

const read = (url: string) => readS3Text(stack().s3.client, url);

describe('producers → Kafka → landTicks → S3 → reports workflow (local crawler, Trino as Athena, publish)', () => {
  // First in this file: the stack's catalog is still empty, as on a stage whose first ticks have not landed.
  it('runs before any tick has landed: no table yet is a run with nothing to report, not a failure', async () => {
    const outcome = await stack().runReports({ day: '2026-11-20' });
    expect(outcome).toEqual({
      status: 'SUCCEEDED',
      output: {
        manifests: [],
        days: [{ day: '2026-11-20', final: true }],
        noTicksYet: 'no ticks have landed yet, so there is no table to report from',
      },
      notifications: [],
    });
  });

  it('runs the deployed ASL end to end and publishes every report for the day', async () => {
    const local = stack();
    [mapping] = await local.startMappings();
    const symbols = ['AAPL', 'MSFT', 'KO'];
    produced = await produceMinutes(local, symbols, 3);
    await mapping?.waitFor(await endOffsets(local));

    const outcome = await local.runReports({ day: '2026-11-20' });
    expect(outcome.status).toBe('SUCCEEDED');
    const { manifests } = (outcome.status === 'SUCCEEDED' ? outcome.output : undefined) as {
      manifests: RunManifest[];
    };
    expect(manifests).toHaveLength(1);
    const manifest = manifests[0] as RunManifest;
    expect(manifest).toMatchObject({ day: '2026-11-20', final: true });
    expect(manifest.reports.map((report) => report.name)).toEqual(loadReports().map((report) => report.name));

    const rows = Object.fromEntries(manifest.reports.map((report) => [report.name, report.rows]));
    expect(rows).toMatchObject({
      top_symbols_by_avg_price: 3,
      volume_by_symbol: 3,
      latest_price: 3,
      ohlc_1m: 3 * 3,
    });
    const volume = parseCsv(
      await read(manifest.reports.find((r) => r.name === 'volume_by_symbol')?.object ?? ''),
    );
    expect(volume[0]).toEqual(['symbol', 'total_volume', 'last_update']);
    const ticksPerSymbol = parseCsv(
      await read(manifest.reports.find((r) => r.name === 'vwap_daily')?.object ?? ''),
    )
      .slice(1)
      .map((row) => Number(row[3]));
    expect(ticksPerSymbol.reduce((sum, n) => sum + n, 0)).toBe(produced);

    expect(JSON.parse(await read(manifest.manifest))).toEqual(manifest);
    // A past day is final: its manifest is also the day's final one.
    expect(
      JSON.parse(await read(`s3://${local.resources.ResultsBucket}/reports/_final/dt=2026-11-20.json`)),
    ).toEqual(manifest);
    expect(await read(manifest.dashboard)).toContain('<summary><b>biggest_movers</b>: ');
    for (const report of manifest.reports) expect(report.bytesScanned).toBeGreaterThan(0);
  });

  /** Keys under a prefix of the data bucket. */
  async function keysUnder(prefix: string): Promise<string[]> {
    const local = stack();
    const listing = await local.s3.client.send(
      new ListObjectsV2Command({ Bucket: local.resources.DataBucket, Prefix: prefix }),
    );
    return (listing.Contents ?? []).flatMap(({ Key }) => (Key === undefined ? [] : [Key]));
  }

  /** The columnar table's parts, rows and distinct ticks for a day, its files' first bytes, and the day's folders. */
  async function columnarDay(day: string) {
    const local = stack();
    const session = { catalog: local.catalog.name, schema: 'tickstream_dev' };
    const { rows } = await local.trino.query(
      `SELECT count(*), count(DISTINCT symbol || "timestamp"), count(DISTINCT part) FROM stock_ticks_columnar WHERE dt = '${day}'`,
      session,
    );
    const files = await keysUnder(`${local.layout.columnarPrefix}/dt=${day}/`);
    const magic = await Promise.all(
      files.map(async (Key) => {
        const object = await local.s3.client.send(
          new GetObjectCommand({ Bucket: local.resources.DataBucket, Key, Range: 'bytes=0-3' }),
        );
        return object.Body?.transformToString();
      }),
    );
    const [lines, ticks, parts] = (rows[0] ?? []).map(Number);
    return {
      lines,
      ticks,
      parts,
      partFolders: new Set(files.map((key) => key.split('/').slice(0, -1).join('/'))).size,
      magic: [...new Set(magic)],
      landed: (await keysUnder(`${local.layout.rawPrefix}/dt=${day}/`)).length,
      archived: (await keysUnder(`${local.layout.archivePrefix}/dt=${day}/`)).length,
    };
  }

  it('a final day ends as one columnar part holding each tick once; its landed objects are archived', async () => {
    const first = await columnarDay('2026-11-20');
    expect(first).toMatchObject({ lines: produced, ticks: produced, parts: 1, magic: ['PAR1'] });
    // The move's part and the compacted one: the replaced part's files wait out the grace period, out of the catalog.
    expect(first.partFolders).toBe(2);
    // Every landed object is archived; it leaves the landing folder after the grace period (the next hourly run).
    expect(first.archived).toBeGreaterThan(0);
    expect(first.landed).toBe(first.archived);
  });

  it('re-reporting a day after late ticks: moved, compacted again into one part, each tick once', async () => {
    const local = stack();
    const before = await columnarDay('2026-11-20');
    expect((await local.runReports({ day: '2026-11-20' })).status).toBe('SUCCEEDED');
    expect(await columnarDay('2026-11-20')).toMatchObject({ lines: produced, ticks: produced, parts: 1 });
    // A late minute of the day lands after it was finalized; the day is re-reported, as after a backfill.
    const late = (await local.invoke('produceTicks', {
      symbols: ['AAPL', 'MSFT', 'KO'],
      time: '2026-11-20T15:30:00.000Z',
    })) as { published: number };
    expect(late.published).toBeGreaterThan(0);
    await mapping?.waitFor(await endOffsets(local));
    const outcome = await local.runReports({ day: '2026-11-20' });
    expect(outcome.status).toBe('SUCCEEDED');
    const all = produced + late.published;
    const after = await columnarDay('2026-11-20');
    expect(after).toMatchObject({ lines: all, ticks: all, parts: 1 });
    expect(after.archived).toBeGreaterThan(before.archived);
    // The replaced parts' files wait for the grace period as the moved objects do; the catalog has one part.
    expect(after.partFolders).toBeGreaterThan(1);
    const manifest = (outcome.status === 'SUCCEEDED' ? outcome.output : undefined) as {
      manifests: RunManifest[];
    };
    const vwap = manifest.manifests[0]?.reports.find((report) => report.name === 'vwap_daily');
    const ticks = parseCsv(await read(vwap?.object ?? ''))
      .slice(1)
      .map((row) => Number(row[3]));
    expect(ticks.reduce((sum, n) => sum + n, 0)).toBe(all);
  });

  it('fails the run as Athena would for a report using a function Trino lacks, naming it, and notifies', async () => {
    const local = stack();
    // A fresh copy of the deployed ASL (the stack's own copy has been run), with one report that DuckDB's old
    // stand-in ran (regexp_matches) and Athena rejects.
    const definition = (await reportsDefinition('dev')) as {
      States: { ReportDays: { ItemProcessor: { States: Record<string, { Result?: unknown }> } } };
    };
    const bad = [
      {
        name: 'bad',
        sql: "SELECT count(*) FROM stock_ticks_unique WHERE regexp_matches(symbol, 'A') AND dt = ?",
      },
    ];
    const perDay = definition.States.ReportDays.ItemProcessor.States;
    (perDay.ListReports as { Result?: unknown }).Result = bad;
    const outcome = await local.runReports({ day: '2026-11-20' }, { definition });
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: expect.stringMatching(
        /FUNCTION_NOT_FOUND: line \d+:\d+: Function 'regexp_matches' not registered/,
      ),
    });
    expect(outcome.notifications).toHaveLength(1);
  });

  it('runs again on a day with no data: every report succeeds with no rows', async () => {
    const local = stack();
    const outcome = await local.runReports({ day: '2026-01-01' });
    expect(outcome.status).toBe('SUCCEEDED');
    const { manifests } = (outcome.status === 'SUCCEEDED' ? outcome.output : undefined) as {
      manifests: RunManifest[];
    };
    expect(manifests.map((manifest) => manifest.day)).toEqual(['2026-01-01']);
    expect(manifests[0]?.reports.every((report) => report.rows === 0)).toBe(true);
  });
});
