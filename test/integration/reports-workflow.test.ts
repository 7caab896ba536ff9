import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { loadReports } from '../../lib/reports/catalog';
import { parseCsv } from '../../lib/reports/csv';
import type { RunManifest } from '../../lib/reports/publish-reports';
import { parseS3Url } from '../../lib/shared/s3';
import { endOffsets } from '../../local/topic';
import { produceMinutes, useTestStack } from '../support/local-stack';

const stack = useTestStack();

async function read(url: string): Promise<string> {
  const { bucket, key } = parseS3Url(url);
  const object = await stack().s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString()) ?? '';
}

describe('producers → Kafka → landTicks → S3 → reports workflow (local crawler, DuckDB Athena, publish)', () => {
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
    const [mapping] = await local.startMappings();
    const symbols = ['AAPL', 'MSFT', 'KO'];
    const produced = await produceMinutes(local, symbols, 3);
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
