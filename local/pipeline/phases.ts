import { readVersioned } from '../../lib/live/conditional-object';
import { liveLayout } from '../../lib/live/live-layout';
import { readAlerts } from '../../lib/live/read-live';
import { formatTable } from '../../lib/operator/table';
import { parseCsv } from '../../lib/reports/csv';
import type { RunManifest } from '../../lib/reports/publish-reports';
import { parseS3Url } from '../../lib/shared/s3';
import { MINUTE_MS } from '../../lib/shared/time';
import {
  type AsyncOutcome,
  asyncInvokeConfigOf,
  createAsyncQueue,
  describeDiscarded,
} from '../aws/async-invocation';
import type { LocalEventSourceMapping } from '../aws/event-source-mapping';
import type { Firing } from '../aws/schedules';
import { endOffsets, type PartitionOffsets } from '../services/kafka/topic';
import { auditDataBucket, type LandedAudit } from '../stack/bucket-audit';
import { mirrorBuckets } from './outputs';
import type { PipelineSession } from './session';

/** The sum of a topic's partition offsets. */
export const sum = (offsets: PartitionOffsets): bigint =>
  [...offsets.values()].reduce((total, offset) => total + offset, 0n);

/** The minutes some ticks describe. */
export interface MarketWindow {
  start: string;
  end: string;
}

/** What publishing the window gave: the ticks, how long it took, and the minutes they describe. */
export interface Published {
  produced: number;
  seconds: number;
  window: MarketWindow | undefined;
  /** Attempts that failed and were retried: a retried minute may land again ticks an earlier attempt had sent. */
  retries: number;
}

/**
 * Schedules that judge what has landed (the alerts' clock) rather than publish: on the fast-forwarded clock each
 * of their firings first waits until everything published before it has landed, so a minute is judged as it would
 * be on AWS a little after it ended, whatever the machine's speed.
 */
export const JUDGES_LANDED = new Set(['watchMarket']);

/**
 * Fires every schedule of the window through the real handlers: the producers, and the watch each minute once
 * `settle` says what was published has landed (without `settle`, the watch's firings are left out).
 */
export async function publishWindow(
  session: PipelineSession,
  name: string,
  settle?: () => Promise<void>,
  /** How a retry waits (Lambda's minute, then two): a test may pass a faster clock. */
  retryClock: { sleep?: (ms: number) => Promise<void> } = {},
): Promise<Published> {
  const { stack } = session;
  const firings = session.firings.filter(
    ({ schedule }) => settle !== undefined || !JUDGES_LANDED.has(schedule.functionName),
  );
  const publishing = session.begin(name, firings.length);
  let produced = 0;
  // The minutes the published ticks describe (a burst firing publishes the minute that ended at it).
  let windowStartMs = Number.POSITIVE_INFINITY;
  let windowEndMs = Number.NEGATIVE_INFINITY;
  // Lambda's asynchronous queue: a failed firing is retried after Lambda's waits while the next firings run.
  let retries = 0;
  const queue = createAsyncQueue({
    invoke: (functionName, event) => stack.invoke(functionName, event),
    configOf: (functionName) => asyncInvokeConfigOf(stack.config.functions[functionName] ?? {}),
    ...retryClock,
    onRetry: (functionName, { attempt, error, waitMs }) => {
      retries++;
      session.log(
        `${functionName}: attempt ${attempt} failed (${error instanceof Error ? error.message : String(error)}); retried in ${waitMs / 1000} s, as Lambda retries an asynchronous invocation`,
      );
    },
  });
  const account = ({ time, schedule }: Firing, outcome: AsyncOutcome) => {
    if (!outcome.delivered) {
      session.failures.push(
        `${schedule.functionName} for ${time.toISOString().slice(11, 16)} ${describeDiscarded(outcome)} (on AWS the event would go to its on-failure destination)`,
      );
      return;
    }
    const summary = outcome.result as { published?: number; windowStart?: string; windowEnd?: string };
    produced += summary.published ?? 0;
    if ((summary.published ?? 0) > 0 && summary.windowStart && summary.windowEnd) {
      windowStartMs = Math.min(windowStartMs, Date.parse(summary.windowStart));
      windowEndMs = Math.max(windowEndMs, Date.parse(summary.windowEnd));
    }
  };
  const retried: Promise<void>[] = [];
  const started = performance.now();
  for (const [index, firing] of firings.entries()) {
    const { time, schedule } = firing;
    session.setFiringTime(time.getTime());
    if (settle !== undefined && JUDGES_LANDED.has(schedule.functionName)) {
      // A minute being retried would be in before the watch judged it on AWS (its retries come within 3 minutes).
      await queue.drain();
      await settle();
    }
    const submitted = queue.submit(schedule.functionName, schedule.eventAt(time));
    const first = await submitted.first;
    if (first) account(firing, first);
    else retried.push(submitted.outcome.then((outcome) => account(firing, outcome)));
    publishing.update(index + 1, `${time.toISOString().slice(11, 16)} ${schedule.name}`);
  }
  await queue.drain();
  await Promise.all(retried);
  const seconds = (performance.now() - started) / 1000;
  const window =
    produced > 0
      ? { start: new Date(windowStartMs).toISOString(), end: new Date(windowEndMs).toISOString() }
      : undefined;
  const producing = firings.filter(({ schedule }) => !JUDGES_LANDED.has(schedule.functionName)).length;
  publishing.done(
    `${produced} ticks from ${producing} scheduled producer invocations${retries > 0 ? ` (${retries} retried after a failed attempt, as Lambda does)` : ''}, ${window ? `market ${window.start} to ${window.end}` : 'no market minutes'} (${Math.round(produced / seconds)} ticks/s)`,
  );
  return { produced, seconds, window, retries };
}

/** Invocations the mappings have made so far. */
export const invocationsOf = (mappings: readonly LocalEventSourceMapping[]): number =>
  mappings.reduce((count, mapping) => count + mapping.stats.invocations, 0);

/**
 * Waits until every mapping has committed `target`, showing the records landed since each one's `from`; counts
 * the invocations since `invocationsBefore` (taken before publishing: landing starts while the producers run).
 */
export async function landUntil(
  session: PipelineSession,
  name: string,
  running: { mapping: LocalEventSourceMapping; from: PartitionOffsets }[],
  target: PartitionOffsets,
  invocationsBefore: number,
): Promise<{ records: number; invocations: number; seconds: number }> {
  const started = performance.now();
  const total = running.reduce((records, { from }) => records + Number(sum(target) - sum(from)), 0);
  const landing = session.begin(name, total);
  const landed = () =>
    running.reduce((records, { mapping, from }) => records + Number(sum(mapping.committed()) - sum(from)), 0);
  const watch = setInterval(() => landing.update(landed()), 200);
  try {
    for (const { mapping } of running) await mapping.waitFor(target);
  } finally {
    clearInterval(watch);
  }
  const count = invocationsOf(running.map(({ mapping }) => mapping)) - invocationsBefore;
  landing.done(`${total} records in ${count} landTicks invocations`);
  return { records: total, invocations: count, seconds: (performance.now() - started) / 1000 };
}

/** An alert event as the run's summary lists it. */
export interface AlertLine {
  change: 'opened' | 'resolved';
  alert: string;
  at: string;
}

/** The alerts the window raised and resolved: one line each on the screen, and the list for the summary. */
export async function liveAlerts(session: PipelineSession, name: string): Promise<AlertLine[]> {
  const { stack } = session;
  const reading = session.begin(name);
  const key = liveLayout(stack.config.custom.live.prefix).alertsKey;
  const { history } = await readAlerts(stack.s3.client, stack.resources.ResultsBucket ?? '', key);
  const lines = history.map((event) => ({ change: event.change, alert: event.episode.id, at: event.at }));
  const shown = history.map(
    (event) =>
      `  ${event.at.slice(11, 19)} ${event.change === 'opened' ? 'opened  ' : 'resolved'} ${event.change === 'opened' ? event.episode.what : `${event.episode.id}: ${event.resolution ?? ''}`}`,
  );
  reading.done(
    history.length === 0
      ? 'none raised (live/alerts.json)'
      : `${history.filter((event) => event.change === 'opened').length} opened, ${history.filter((event) => event.change === 'resolved').length} resolved:\n${shown.join('\n')}`,
  );
  return lines;
}

/** Reads every landed and quarantined object back and counts lines and distinct ticks. */
export async function auditLanded(session: PipelineSession, name: string): Promise<LandedAudit> {
  const { stack } = session;
  const auditing = session.begin(name);
  const result = await auditDataBucket({
    client: stack.s3.client,
    bucket: stack.resources.DataBucket as string,
    layout: stack.layout,
  });
  auditing.done(
    `${result.objects} objects, ${result.landed} lines, ${result.distinct} distinct ticks (symbol, timestamp), ${result.quarantined} quarantined`,
  );
  return result;
}

/** What one pass of the reports workflow published: a manifest per day and each report's CSV by `day/name`. */
export interface ReportsPass {
  manifests: RunManifest[];
  csv: Map<string, string>;
}

/** The UTC days the window's ticks fall on: burst firings publish the minute before them. */
export function daysOf(options: { startMs: number; endMs: number }): string[] {
  return [
    ...new Set(
      [options.startMs - MINUTE_MS, options.endMs - 1].map((ms) => new Date(ms).toISOString().slice(0, 10)),
    ),
  ];
}

/** Runs the reports workflow once per day (a window across midnight spans two dt partitions). */
export async function reportDays(
  session: PipelineSession,
  name: string,
  days: string[],
): Promise<ReportsPass> {
  const reporting = session.begin(name, days.length);
  const pass: ReportsPass = { manifests: [], csv: new Map() };
  for (const [index, day] of days.entries()) {
    let queries = 0;
    const outcome = await session.stack.runReports(
      { day },
      {
        onTask: (task) => {
          if (task === 'runQuery') queries++;
          const step =
            task === 'plan' || task === 'startCrawler' || task === 'getCrawler'
              ? 'crawling'
              : `${queries} queries`;
          reporting.update(index, `${day}: ${task === 'publish' ? 'publishing' : step}`);
        },
      },
    );
    if (outcome.status !== 'SUCCEEDED')
      throw new Error(`the reports workflow for ${day} failed: ${outcome.error}: ${outcome.cause}`);
    const { manifests } = outcome.output as { manifests: RunManifest[] };
    for (const manifest of manifests) {
      pass.manifests.push(manifest);
      for (const report of manifest.reports)
        pass.csv.set(`${manifest.day}/${report.name}`, await session.readText(report.object));
    }
    reporting.update(index + 1);
  }
  const reports = pass.manifests[0]?.reports.length ?? 0;
  const states = pass.manifests.map(
    (manifest) => `${manifest.day} (${manifest.final ? 'final' : 'partial'})`,
  );
  reporting.done(`${reports} reports for ${states.join(' and ')}, crawled and run in Trino`);
  return pass;
}

/** Records per invocation of the replay's re-drive: boundaries unlike the configured batch size's. */
export const REDRIVE_BATCH_SIZE = 333;

/** Where the first pass stood: the offsets around its publish, its mappings, what it produced and reported. */
export interface FirstPass {
  before: PartitionOffsets;
  after: PartitionOffsets;
  mappings: LocalEventSourceMapping[];
  produced: number;
  reports: ReportsPass;
}

/**
 * The two re-deliveries of real operation, at once: every schedule minute published again (a retried or re-run
 * producer), and a second mapping re-driven from the window's first offset with other batch sizes. Then the
 * reports again, compared with the first pass's: a change is a failure of the session.
 */
export async function replayWindow(session: PipelineSession, first: FirstPass, days: string[]) {
  const { stack } = session;
  const invocationsBeforeReplay = invocationsOf(first.mappings);
  // The live snapshot must come out of the replay byte for byte as it went in: every tick is already in it.
  const snapshotKey = liveLayout(stack.config.custom.live.prefix).snapshotKey;
  const snapshotBefore = await readVersioned(
    stack.s3.client,
    stack.resources.ResultsBucket ?? '',
    snapshotKey,
  );
  const again = await publishWindow(session, 'replay: publish again');
  const afterReplay = await endOffsets(stack);
  const redrive = await stack.startMappings({
    consumerGroupSuffix: `-redrive-${Date.now()}`,
    startAt: first.before,
    batchSize: REDRIVE_BATCH_SIZE,
  });
  await landUntil(
    session,
    'replay: land again',
    [
      ...first.mappings.map((mapping) => ({ mapping, from: first.after })),
      ...redrive.map((mapping) => ({ mapping, from: first.before })),
    ],
    afterReplay,
    invocationsBeforeReplay,
  );
  const replayAudit = await auditLanded(session, 'replay: audit');
  if (replayAudit.distinct !== first.produced)
    session.failures.push(
      `after the replay the bucket holds ${replayAudit.distinct} distinct ticks, not the ${first.produced} produced`,
    );
  const snapshotAfter = await readVersioned(
    stack.s3.client,
    stack.resources.ResultsBucket ?? '',
    snapshotKey,
  );
  const snapshotUnchanged = snapshotBefore?.text === snapshotAfter?.text;
  if (!snapshotUnchanged)
    session.failures.push(
      'the replay changed the live snapshot; a re-delivered tick must leave it as it was',
    );
  const reports = await reportDays(session, 'replay: reports', days);
  const changed = [...first.reports.csv.keys()].filter(
    (key) => reports.csv.get(key) !== first.reports.csv.get(key),
  );
  if (changed.length > 0)
    session.failures.push(
      `the replay changed ${changed.length} report result(s): ${changed.join(', ')}; each tick must count once`,
    );
  return {
    reports,
    summary: {
      republished: again.produced,
      // Records the run's own mapping landed again (the republished ones) and the re-drive landed (all of them).
      landedAgain: Number(sum(afterReplay) - sum(first.after)),
      redriven: Number(sum(afterReplay) - sum(first.before)),
      redriveBatchSize: REDRIVE_BATCH_SIZE,
      lines: replayAudit.landed,
      distinct: replayAudit.distinct,
      reportsCompared: first.reports.csv.size,
      reportsUnchanged: changed.length === 0,
      changed,
      snapshotUnchanged,
    },
  };
}

/** Copies both buckets to the run folder; returns where the last day's dashboard and the results are. */
export async function saveOutputs(
  session: PipelineSession,
  reports: ReportsPass,
): Promise<{ dashboard: string; results: string; latest: RunManifest }> {
  const { stack, run } = session;
  const saving = session.begin('save');
  const { DataBucket: dataBucket = '', ResultsBucket: resultsBucket = '' } = stack.resources;
  const saved = await mirrorBuckets({
    client: stack.s3.client,
    buckets: [dataBucket, resultsBucket],
    objectPath: run.objectPath,
  });
  const latest = reports.manifests.at(-1);
  if (!latest) throw new Error('no reports workflow ran');
  const dashboard = run.objectPath(resultsBucket, parseS3Url(latest.dashboard).key);
  const results = run.objectPath(resultsBucket, 'reports');
  saving.done(`${saved} objects under ${session.shown(run.dir)}/s3; dashboard ${session.shown(dashboard)}`);
  return { dashboard, results, latest };
}

/** Prints the first rows of each report of a day on stdout, each headed by its name, day, rows and file. */
export function printPreviews(session: PipelineSession, reports: ReportsPass, manifest: RunManifest): void {
  for (const report of manifest.reports) {
    const rows = parseCsv(reports.csv.get(`${manifest.day}/${report.name}`) ?? '');
    const { bucket, key } = parseS3Url(report.object);
    process.stdout.write(
      `\n${report.name} (${manifest.day}): ${report.rows} rows (${session.shown(session.run.objectPath(bucket, key))})\n${formatTable(rows.slice(0, 6))}\n`,
    );
  }
}

/** Rows per report for each day, as the screen shows them for the last day. */
export function rowsPerDay(reports: ReportsPass): Record<string, Record<string, number>> {
  return Object.fromEntries(
    reports.manifests.map((manifest) => [
      manifest.day,
      Object.fromEntries(manifest.reports.map((report) => [report.name, report.rows])),
    ]),
  );
}
