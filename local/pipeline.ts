/**
 * `npm run pipeline`: the whole pipeline on this machine. Starts a real Kafka broker and a local S3 endpoint,
 * runs serverless.yml's Kafka event source mapping locally (landTicks), fires the producers' EventBridge
 * schedules on a fast-forwarded clock, waits until every tick has landed, audits the bucket, runs the reports
 * workflow, and leaves everything it made in `local-run/`. `--replay` then publishes the window again and re-drives
 * a second mapping from its first offset, runs the reports again and exits 1 if any report changed.
 *
 * `--source alphavantage --fixtures` runs the same chain on the Alpha Vantage adapter, its answers served from the
 * recorded fixtures (a session of 2026-11-20 from 09:31 New York): real-shaped tick.v2 data end to end, without a key.
 *
 * Screen: progress on stderr (bars on a terminal, plain lines elsewhere), the report previews on stdout and,
 * last, one JSON line with the counts and the local paths. Function logs go to `local-run/logs/functions.log`.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { formatTable } from '../lib/operator/table';
import { parseCsv } from '../lib/reports/csv';
import type { RunManifest } from '../lib/reports/publish-reports';
import { TickstreamError } from '../lib/shared/errors';
import { parseS3Url } from '../lib/shared/s3';
import { MINUTE_MS } from '../lib/shared/time';
import {
  FIXTURE_ENVIRONMENT,
  FIXTURE_SESSION,
  type Interception,
  serveAlphaVantageFixtures,
} from './alphavantage-fixtures';
import { auditDataBucket } from './bucket-audit';
import type { LocalEventSourceMapping } from './event-source-mapping';
import { KAFKA_VERSION } from './kafka/broker';
import { startLocalStack } from './local-stack';
import { LOCAL_RUN_DIR, mirrorBuckets, prepareRunFolder } from './outputs';
import { createProgress, type Phase } from './progress';
import { firingsBetween, localSchedules } from './schedules';
import { endOffsets, type PartitionOffsets } from './topic';

/** A mistake on the command line: exit status 2. */
class UsageError extends TickstreamError {
  override name = 'UsageError';
}

interface PipelineOptions {
  minutes: number;
  stage: string;
  startMs: number;
  endMs: number;
  out: string;
  replay: boolean;
  /** `alphavantage`: the producers use the Alpha Vantage adapter on the recorded fixtures. */
  source: 'simulated' | 'alphavantage';
}

function parseOptions(argv: string[]): PipelineOptions {
  let values: {
    minutes: string;
    stage: string;
    start?: string | undefined;
    out?: string | undefined;
    replay: boolean;
    source: string;
    fixtures: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string', default: '3' },
        stage: { type: 'string', default: 'dev' },
        start: { type: 'string' },
        out: { type: 'string' },
        replay: { type: 'boolean', default: false },
        source: { type: 'string', default: 'simulated' },
        fixtures: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const minutes = Number(values.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60)
    throw new UsageError(`--minutes must be a whole number from 1 to 1440, got ${values.minutes}`);
  if (values.source !== 'simulated' && values.source !== 'alphavantage')
    throw new UsageError(`--source must be simulated or alphavantage, got ${values.source}`);
  if (values.source === 'alphavantage' && !values.fixtures)
    throw new UsageError(
      '--source alphavantage runs on the recorded fixtures here: add --fixtures (live quotes need a deployed stage and a key)',
    );
  if (values.fixtures && values.source !== 'alphavantage')
    throw new UsageError('--fixtures goes with --source alphavantage');
  const fixtures = values.source === 'alphavantage';
  // Default: the last N whole minutes, so every simulated tick lies in the past; on the fixtures, their session.
  const startMs =
    values.start === undefined
      ? fixtures
        ? FIXTURE_SESSION.startMs
        : Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS
      : Date.parse(values.start);
  if (Number.isNaN(startMs))
    throw new UsageError(
      `--start must be an ISO-8601 instant such as 2026-11-20T14:30:00Z, got ${values.start}`,
    );
  const sessionEnd = FIXTURE_SESSION.startMs + FIXTURE_SESSION.minutes * MINUTE_MS;
  if (fixtures && (startMs < FIXTURE_SESSION.startMs || startMs + minutes * MINUTE_MS > sessionEnd))
    throw new UsageError(
      `the fixtures hold ${FIXTURE_SESSION.minutes} minutes from ${new Date(FIXTURE_SESSION.startMs).toISOString()}: --start and --minutes must stay inside them`,
    );
  return {
    minutes,
    stage: values.stage,
    startMs,
    endMs: startMs + minutes * MINUTE_MS,
    out: resolve(values.out ?? LOCAL_RUN_DIR),
    replay: values.replay,
    source: values.source,
  };
}

/** Where this run's function logs go, once its folder is ready: failures point there. */
let functionLogPath: string | undefined;

const sum = (offsets: PartitionOffsets) =>
  [...offsets.values()].reduce((total, offset) => total + offset, 0n);

/** Records per invocation of the replay's re-drive: boundaries unlike the configured batch size's. */
const REDRIVE_BATCH_SIZE = 333;

/** What one pass of the reports workflow published: a manifest per day and each report's CSV by `day/name`. */
interface ReportsPass {
  manifests: RunManifest[];
  csv: Map<string, string>;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const { minutes, stage, startMs, endMs, out } = options;
  const run = prepareRunFolder(out);
  functionLogPath = run.functionLog;
  const shown = (path: string) => relative(process.cwd(), path) || '.';
  const functionLog = createWriteStream(run.functionLog, { flags: 'a' });
  const stackLog = (line: string) => functionLog.write(`${new Date().toISOString()} [local stack] ${line}\n`);
  const progress = createProgress({ stream: process.stderr });
  progress.note(`function logs: ${shown(run.functionLog)}`);
  let current: Phase | undefined;
  const begin = (name: string, total?: number) => {
    current = progress.phase(name, total);
    return current;
  };
  process.on('exit', () => current?.abort());

  // On the fixtures, GLOBAL_QUOTE answers with the quote recorded at the schedule minute being run.
  let firingMs = startMs;
  const fixtureServer: Interception | undefined =
    options.source === 'alphavantage' ? serveAlphaVantageFixtures({ clock: () => firingMs }) : undefined;
  const starting = begin('stack');
  const stack = await startLocalStack({
    stage,
    log: stackLog,
    batchingWindowMs: 500,
    functionLogs: functionLog,
    ...(fixtureServer ? { functionEnvironment: FIXTURE_ENVIRONMENT } : {}),
  });
  const failures: string[] = [];
  const readText = async (url: string) => {
    const { bucket, key } = parseS3Url(url);
    const object = await stack.s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await object.Body?.transformToString()) ?? '';
  };
  const schedules = localSchedules(stack.config);
  const firings = firingsBetween({ schedules, startMs, endMs });

  /** Fires every schedule of the window through the real producer handlers; returns the ticks published. */
  const publishWindow = async (name: string) => {
    const publishing = begin(name, firings.length);
    let produced = 0;
    // The minutes the published ticks describe (a burst firing publishes the minute that ended at it).
    let windowStartMs = Number.POSITIVE_INFINITY;
    let windowEndMs = Number.NEGATIVE_INFINITY;
    const started = performance.now();
    for (const [index, { time, schedule }] of firings.entries()) {
      firingMs = time.getTime();
      const summary = (await stack.invoke(schedule.functionName, schedule.eventAt(time))) as {
        published?: number;
        windowStart?: string;
        windowEnd?: string;
      };
      produced += summary.published ?? 0;
      if ((summary.published ?? 0) > 0 && summary.windowStart && summary.windowEnd) {
        windowStartMs = Math.min(windowStartMs, Date.parse(summary.windowStart));
        windowEndMs = Math.max(windowEndMs, Date.parse(summary.windowEnd));
      }
      publishing.update(index + 1, `${time.toISOString().slice(11, 16)} ${schedule.name}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const window =
      produced > 0
        ? { start: new Date(windowStartMs).toISOString(), end: new Date(windowEndMs).toISOString() }
        : undefined;
    publishing.done(
      `${produced} ticks from ${firings.length} scheduled invocations, ${window ? `market ${window.start} to ${window.end}` : 'no market minutes'} (${Math.round(produced / seconds)} ticks/s)`,
    );
    return { produced, seconds, window };
  };

  const invocationsOf = (mappings: readonly LocalEventSourceMapping[]) =>
    mappings.reduce((count, mapping) => count + mapping.stats.invocations, 0);

  /**
   * Waits until every mapping has committed `target`, showing the records landed since each one's `from`; counts
   * the invocations since `invocationsBefore` (taken before publishing: landing starts while the producers run).
   */
  const landUntil = async (
    name: string,
    running: { mapping: LocalEventSourceMapping; from: PartitionOffsets }[],
    target: PartitionOffsets,
    invocationsBefore: number,
  ) => {
    const total = running.reduce((records, { from }) => records + Number(sum(target) - sum(from)), 0);
    const landing = begin(name, total);
    const landed = () =>
      running.reduce(
        (records, { mapping, from }) => records + Number(sum(mapping.committed()) - sum(from)),
        0,
      );
    const invocations = () => invocationsOf(running.map(({ mapping }) => mapping));
    const watch = setInterval(() => landing.update(landed()), 200);
    try {
      for (const { mapping } of running) await mapping.waitFor(target);
    } finally {
      clearInterval(watch);
    }
    const count = invocations() - invocationsBefore;
    landing.done(`${total} records in ${count} landTicks invocations`);
    return { records: total, invocations: count };
  };

  const audit = async (name: string) => {
    const auditing = begin(name);
    const result = await auditDataBucket({
      client: stack.s3.client,
      bucket: stack.resources.DataBucket as string,
      layout: stack.layout,
    });
    auditing.done(
      `${result.objects} objects, ${result.landed} lines, ${result.distinct} distinct ticks (symbol, timestamp), ${result.quarantined} quarantined`,
    );
    return result;
  };

  // One workflow run per UTC day the window touches (a window across midnight spans two dt partitions).
  // Burst firings publish the minute before them, so the ticks start up to a minute before the window.
  const days = [
    ...new Set([startMs - MINUTE_MS, endMs - 1].map((ms) => new Date(ms).toISOString().slice(0, 10))),
  ];
  const reportDays = async (name: string): Promise<ReportsPass> => {
    const reporting = begin(name, days.length);
    const pass: ReportsPass = { manifests: [], csv: new Map() };
    for (const [index, day] of days.entries()) {
      let queries = 0;
      const outcome = await stack.runReports(
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
          pass.csv.set(`${manifest.day}/${report.name}`, await readText(report.object));
      }
      reporting.update(index + 1);
    }
    const reports = pass.manifests[0]?.reports.length ?? 0;
    const states = pass.manifests.map(
      (manifest) => `${manifest.day} (${manifest.final ? 'final' : 'partial'})`,
    );
    reporting.done(`${reports} reports for ${states.join(' and ')}, crawled and run in DuckDB`);
    return pass;
  };

  try {
    starting.done(
      `${stack.ownBroker ? `Kafka ${KAFKA_VERSION} started` : 'Kafka given by KAFKA_BROKERS'} at ${stack.brokers.join(',')} (${stack.auth.sasl ? 'SASL_SSL, SCRAM-SHA-512' : 'plaintext'}), topic ${stack.topic}; local S3 at ${stack.s3.endpoint}`,
    );
    // The mapping is created for this run: it starts after what the topic already holds, so a broker with
    // older ticks (KAFKA_BROKERS, npm run kafka:start) changes nothing here.
    const before = await endOffsets(stack);
    const mappings = await stack.startMappings({
      consumerGroupSuffix: `-pipeline-${Date.now()}`,
      startAt: before,
    });

    const started = performance.now();
    const { produced, seconds: produceSeconds, window } = await publishWindow('publish');
    const after = await endOffsets(stack);
    const messages = Number(sum(after) - sum(before));
    const landingStarted = performance.now();
    const landed = await landUntil(
      'land',
      mappings.map((mapping) => ({ mapping, from: before })),
      after,
      0,
    );
    // What the screen's land line shows: the wait after publishing until every record had landed.
    const landSeconds = (performance.now() - landingStarted) / 1000;
    // From the first publish until the last record landed.
    const endToEndSeconds = (performance.now() - started) / 1000;

    const landedAudit = await audit('audit');
    if (landedAudit.landed !== produced || landedAudit.distinct !== produced)
      failures.push(
        `${produced} ticks were produced but ${landedAudit.distinct} distinct ticks landed (${landedAudit.landed} lines): the landing path lost or duplicated ticks; see ${shown(run.functionLog)}`,
      );

    const first = await reportDays('reports');
    let final = first;
    let replay: Record<string, unknown> | undefined;
    if (options.replay) {
      // The two re-deliveries of real operation, at once: every schedule minute published again (a retried or
      // re-run producer), and a second mapping re-driven from the window's first offset with other batch sizes.
      const invocationsBeforeReplay = invocationsOf(mappings);
      const again = await publishWindow('replay: publish again');
      const afterReplay = await endOffsets(stack);
      const redrive = await stack.startMappings({
        consumerGroupSuffix: `-redrive-${Date.now()}`,
        startAt: before,
        batchSize: REDRIVE_BATCH_SIZE,
      });
      await landUntil(
        'replay: land again',
        [
          ...mappings.map((mapping) => ({ mapping, from: after })),
          ...redrive.map((mapping) => ({ mapping, from: before })),
        ],
        afterReplay,
        invocationsBeforeReplay,
      );
      const replayAudit = await audit('replay: audit');
      if (replayAudit.distinct !== produced)
        failures.push(
          `after the replay the bucket holds ${replayAudit.distinct} distinct ticks, not the ${produced} produced`,
        );
      final = await reportDays('replay: reports');
      const changed = [...first.csv.keys()].filter((key) => final.csv.get(key) !== first.csv.get(key));
      if (changed.length > 0)
        failures.push(
          `the replay changed ${changed.length} report result(s): ${changed.join(', ')}; each tick must count once`,
        );
      replay = {
        republished: again.produced,
        // Records the run's own mapping landed again (the republished ones) and the re-drive landed (all of them).
        landedAgain: Number(sum(afterReplay) - sum(after)),
        redriven: Number(sum(afterReplay) - sum(before)),
        redriveBatchSize: REDRIVE_BATCH_SIZE,
        lines: replayAudit.landed,
        distinct: replayAudit.distinct,
        reportsCompared: first.csv.size,
        reportsUnchanged: changed.length === 0,
        changed,
      };
    }

    const saving = begin('save');
    const { DataBucket: dataBucket = '', ResultsBucket: resultsBucket = '' } = stack.resources;
    const saved = await mirrorBuckets({
      client: stack.s3.client,
      buckets: [dataBucket, resultsBucket],
      objectPath: run.objectPath,
    });
    const latest = final.manifests.at(-1);
    if (!latest) throw new Error('no reports workflow ran');
    const dashboard = run.objectPath(resultsBucket, parseS3Url(latest.dashboard).key);
    const results = run.objectPath(resultsBucket, 'reports');
    saving.done(`${saved} objects under ${shown(run.dir)}/s3; dashboard ${shown(dashboard)}`);

    for (const report of latest.reports) {
      const rows = parseCsv(final.csv.get(`${latest.day}/${report.name}`) ?? '');
      const { bucket, key } = parseS3Url(report.object);
      process.stdout.write(
        `\n${report.name} (${latest.day}): ${report.rows} rows (${shown(run.objectPath(bucket, key))})\n${formatTable(rows.slice(0, 6))}\n`,
      );
    }

    // Rows per report for each day, as the screen shows them for the last day.
    const reportRows: Record<string, Record<string, number>> = {};
    for (const manifest of final.manifests)
      reportRows[manifest.day] = Object.fromEntries(
        manifest.reports.map((report) => [report.name, report.rows]),
      );
    const summary = {
      source: fixtureServer ? 'alphavantage (recorded fixtures)' : 'simulated',
      ...(fixtureServer ? { marketDataRequests: fixtureServer.requests.length } : {}),
      produced,
      landed: landedAudit.landed,
      duplicated: landedAudit.landed - landedAudit.distinct,
      quarantined: landedAudit.quarantined,
      objects: landedAudit.objects,
      bytes: landedAudit.bytes,
      messages,
      minutes,
      producerInvocations: firings.length,
      landInvocations: landed.invocations,
      topic: stack.topic,
      bucket: dataBucket,
      reports: reportRows,
      days: Object.fromEntries(
        final.manifests.map((manifest) => [manifest.day, manifest.final ? 'final' : 'partial']),
      ),
      ...(replay ? { replay } : {}),
      // The minutes the produced ticks describe (firings publish the minute that ended at them).
      window: window ?? null,
      produceSeconds: Number(produceSeconds.toFixed(3)),
      produceRate: Math.round(produced / produceSeconds),
      landSeconds: Number(landSeconds.toFixed(3)),
      endToEndSeconds: Number(endToEndSeconds.toFixed(3)),
      dashboard,
      results,
      data: run.objectPath(dataBucket, stack.layout.rawPrefix),
      log: run.functionLog,
    };
    writeFileSync(run.summary, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`\n${JSON.stringify(summary)}\n`);
  } finally {
    await stack.stop();
    await fixtureServer?.stop();
    functionLog.end();
  }
  if (failures.length > 0) {
    process.stderr.write(`pipeline failed: ${failures.join('; ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    process.stderr.write(
      `pipeline: ${message}\nusage: npm run pipeline -- [--minutes N] [--stage dev] [--start ISO-8601] [--out DIR] [--replay] [--source alphavantage --fixtures]\n`,
    );
    process.exitCode = 2;
    return;
  }
  process.stderr.write(
    `pipeline failed: ${message}.${functionLogPath ? ` Function logs: ${relative(process.cwd(), functionLogPath)}.` : ''} Fix what it names and run again (KAFKA_BROKERS=host:port uses a broker you started).\n`,
  );
  process.exitCode = 1;
});
