/**
 * The reports' guarantee (README, "What counts once"): whatever reaches Kafka or S3 twice, every report equals
 * the report of each tick landed once, every UTC day is finalized, and a past day is re-reported on demand.
 * Each case runs the real handlers, the local broker and mapping, and the deployed ASL (planReports, crawler and
 * Athena stand-ins, publishReports), then compares every report with `referenceReports`: the same ticks landed
 * exactly once in a scratch bucket. Each case has a UTC day of its own.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { AnyTick } from '../../lib/contract/tick';
import { createKafkaClient } from '../../lib/kafka/client';
import { simulatedHistorySource, simulatedLiveSource } from '../../lib/market/simulated/source';
import { backfillHistory, parseBackfillRequest } from '../../lib/produce/backfill';
import { loadProducerConfig } from '../../lib/produce/config';
import { ProduceTicksRequestSchema, produceMinute } from '../../lib/produce/produce-minute';
import {
  createIdempotentProducer,
  createTickPublisher,
  KafkaUnavailableError,
  type TickProducer,
} from '../../lib/produce/publisher';
import { parseCsv } from '../../lib/reports/csv';
import { parseRequest } from '../../lib/shared/request';
import type { LocalEventSourceMapping } from '../../local/aws/event-source-mapping';
import { endOffsets } from '../../local/services/kafka/topic';
import { readS3Text } from '../../local/services/s3/s3';
import { auditDataBucket } from '../../local/stack/bucket-audit';
import { authEnvironment } from '../../local/stack/function-environments';
import { useTestStack } from '../support/local-stack';
import { referenceReports } from '../support/reference-reports';
import { capturing, runReportsCsv, simulationSeed, ticksOf as ticksFor } from '../support/reports-run';

const stack = useTestStack();
/** Ten symbols: a minute is 600 ticks, more than one producer send (500 messages). */
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'KO', 'JPM', 'XOM', 'PG', 'HD', 'V', 'WMT'];

let live: LocalEventSourceMapping;
let seed: string;

beforeAll(async () => {
  [live] = (await stack().startMappings()) as [LocalEventSourceMapping];
  seed = simulationSeed(stack());
});

/** Waits until the run's mapping has landed everything the topic holds. */
async function landAll(mapping: LocalEventSourceMapping = live): Promise<void> {
  await mapping.waitFor(await endOffsets(stack()));
}

const ticksOf = (event: unknown) => ticksFor(seed, event);

/** Lines and distinct ticks the data bucket holds for one day. */
async function landedOn(day: string) {
  const audit = await auditDataBucket({
    client: stack().s3.client,
    bucket: stack().resources.DataBucket as string,
    layout: { ...stack().layout, rawPrefix: `${stack().layout.rawPrefix}/dt=${day}` },
  });
  return { lines: audit.landed, ticks: audit.distinct };
}

const read = (url: string) => readS3Text(stack().s3.client, url);

const runReports = (input: { day?: string }, startTime?: Date) => runReportsCsv(stack(), input, startTime);

describe('every report counts each tick once, and every day is finalized', () => {
  it('(a) the same scheduled minute published twice: every report equals publishing it once', async () => {
    const local = stack();
    const event = { symbols: SYMBOLS, time: '2026-11-02T15:01:00Z' };
    await local.invoke('produceTicks', event);
    await local.invoke('produceTicks', event);
    await landAll();
    expect(await landedOn('2026-11-02')).toEqual({ lines: 1200, ticks: 600 });

    const run = await runReports({ day: '2026-11-02' });
    expect(run.days).toEqual([['2026-11-02', true]]);
    expect(run.csv['2026-11-02']).toEqual(await referenceReports(await ticksOf(event), '2026-11-02'));
  });

  it('(c) an invocation that failed after a partial send, retried: every report equals one clean send', async () => {
    const local = stack();
    const event = { symbols: SYMBOLS, time: '2026-11-04T15:01:00Z' };
    const settings = loadProducerConfig({
      KAFKA_BROKERS: local.brokers.join(','),
      ...authEnvironment(local.auth),
      KAFKA_TOPIC: local.topic,
      SIMULATION_SEED: seed,
    }).kafka;
    // The real producer, except that its connection drops on the second send of 500 messages.
    const real = createIdempotentProducer(createKafkaClient(settings), settings.sendTimeoutMs);
    let sends = 0;
    const dropsOnSecondSend: TickProducer = {
      connect: () => real.connect(),
      disconnect: () => real.disconnect(),
      send: async (record) => {
        sends++;
        if (sends === 2) throw new Error('Connection error: read ECONNRESET');
        return real.send(record);
      },
    };
    const request = parseRequest(ProduceTicksRequestSchema, 'produceTicks request', event);
    await expect(
      produceMinute({
        request,
        source: simulatedLiveSource({ seed }),
        publisher: createTickPublisher({ settings, createProducer: () => dropsOnSecondSend }),
      }),
    ).rejects.toThrow(KafkaUnavailableError);
    await landAll();
    expect(await landedOn('2026-11-04')).toEqual({ lines: 500, ticks: 500 });

    // Lambda retries the failed asynchronous invocation: the real handler publishes the whole minute again.
    await local.invoke('produceTicks', event);
    await landAll();
    expect(await landedOn('2026-11-04')).toEqual({ lines: 1100, ticks: 600 });

    const run = await runReports({ day: '2026-11-04' });
    expect(run.csv['2026-11-04']).toEqual(await referenceReports(await ticksOf(event), '2026-11-04'));
  });

  it("(d) the run at 00:05 UTC publishes the day that ended as final, with its last minute's ticks", async () => {
    const local = stack();
    const symbols = SYMBOLS.slice(0, 3);
    // Burst runs publish the minute before their time: 23:57 to 00:01.
    const events = ['23:58', '23:59', '00:00', '00:01', '00:02'].map((time) => ({
      symbols,
      time: `${time < '12' ? '2026-11-06' : '2026-11-05'}T${time}:00Z`,
    }));
    for (const event of events) await local.invoke('produceTicks', event);
    await landAll();
    const ticks = (await Promise.all(events.map(ticksOf))).flat();
    const dayTicks = ticks.filter((tick) => tick.timestamp.startsWith('2026-11-05'));
    expect(dayTicks.at(-1)?.timestamp).toBe('2026-11-05T23:59:59.000Z');

    // The 23:05 run: the day in progress, partial (the day before has a final manifest: case (c) reported it).
    const evening = await runReports({}, new Date('2026-11-05T23:05:00Z'));
    expect(evening.days).toEqual([['2026-11-05', false]]);
    // 00:03, within the grace minutes: the new day only.
    expect((await runReports({}, new Date('2026-11-06T00:03:00Z'))).days).toEqual([['2026-11-06', false]]);

    const midnight = await runReports({}, new Date('2026-11-06T00:05:00Z'));
    expect(midnight.days).toEqual([
      ['2026-11-05', true],
      ['2026-11-06', false],
    ]);
    expect(midnight.csv['2026-11-05']).toEqual(await referenceReports(dayTicks, '2026-11-05'));
    const latest = parseCsv(midnight.csv['2026-11-05']?.latest_price ?? '').slice(1);
    expect(latest.map((row) => [row[0], row.at(-1)])).toEqual(
      symbols.map((symbol) => [symbol, '2026-11-05T23:59:59.000Z']),
    );
    // The final manifest is kept where the next runs look, so they do not finalize the day again.
    const final = JSON.parse(
      await read(`s3://${local.resources.ResultsBucket}/reports/_final/dt=2026-11-05.json`),
    );
    expect(final).toEqual(midnight.manifests[0]);
    expect((await runReports({}, new Date('2026-11-06T01:05:00Z'))).days).toEqual([['2026-11-06', false]]);
    // latest.csv follows the day in progress, never the finalized one.
    const vwap = midnight.manifests[1]?.reports.find((report) => report.name === 'vwap_daily');
    expect(await read(vwap?.latest ?? '')).toBe(midnight.csv['2026-11-06']?.vwap_daily);
  });

  it('(e) a past day re-reported after a backfill: its reports hold the backfilled rows too', async () => {
    const local = stack();
    const day = '2026-11-07';
    const event = { symbols: ['AAPL', 'KO'], time: `${day}T15:01:00Z` };
    await local.invoke('produceTicks', event);
    await landAll();
    const first = await runReports({ day });
    expect(first.days).toEqual([[day, true]]);

    const backfill = { symbols: ['AAPL', 'MSFT'], from: `${day}T14:00:00Z`, to: `${day}T14:30:00Z` };
    await local.invoke('backfillHistory', backfill);
    await landAll();
    const backfilled: AnyTick[] = [];
    await backfillHistory({
      request: parseBackfillRequest(backfill),
      source: simulatedHistorySource({ seed }),
      publisher: capturing(backfilled),
    });
    expect(backfilled).toHaveLength(2 * 30);

    const again = await runReports({ day });
    expect(again.days).toEqual([[day, true]]);
    expect(again.csv[day]).toEqual(await referenceReports([...(await ticksOf(event)), ...backfilled], day));
    expect(parseCsv(again.csv[day]?.vwap_daily ?? '').map((row) => row[0])).toEqual([
      'symbol',
      'AAPL',
      'KO',
      'MSFT',
    ]);
    // The re-report replaces the day's final manifest.
    const final = JSON.parse(
      await read(`s3://${local.resources.ResultsBucket}/reports/_final/dt=${day}.json`),
    );
    expect(final.execution).toBe(again.manifests[0]?.execution);
  });

  it('(b) mappings re-driven from the earliest offset with other batch sizes: every report unchanged', async () => {
    const local = stack();
    const days = ['2026-11-02', '2026-11-04', '2026-11-05', '2026-11-07'];
    const reportsOf = async () => {
      const all: Record<string, unknown> = {};
      for (const day of days) all[day] = (await runReports({ day })).csv[day];
      return all;
    };
    const before = await reportsOf();
    const landedBefore = await Promise.all(days.map(landedOn));

    const earliest = new Map([...(await endOffsets(local)).keys()].map((partition) => [partition, 0n]));
    for (const batchSize of [7, 61]) {
      const [redrive] = await local.startMappings({
        consumerGroupSuffix: `-redrive-${batchSize}`,
        startAt: earliest,
        batchSize,
      });
      if (!redrive) throw new Error('no mapping started');
      await landAll(redrive);
    }
    const landedAfter = await Promise.all(days.map(landedOn));
    // Records landed again under other object names (more lines), the same distinct ticks.
    expect(landedAfter.map((landed) => landed.ticks)).toEqual(landedBefore.map((landed) => landed.ticks));
    expect(landedAfter.reduce((sum, landed) => sum + landed.lines, 0)).toBeGreaterThan(
      landedBefore.reduce((sum, landed) => sum + landed.lines, 0),
    );
    expect(await reportsOf()).toEqual(before);
  });
});
