/**
 * `npm run pipeline`: the whole pipeline on this machine. Starts a real Kafka broker and a local S3 endpoint,
 * runs serverless.yml's Kafka event source mapping locally (landTicks), fires the producers' EventBridge
 * schedules on a fast-forwarded clock, waits until every tick has landed, audits the bucket, runs the reports
 * workflow, and leaves everything it made in `local-run/`.
 *
 * Screen: progress on stderr (bars on a terminal, plain lines elsewhere), the report previews on stdout and,
 * last, one JSON line with the counts and the local paths. Function logs go to `local-run/logs/functions.log`.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parseCsv } from '../lib/csv';
import type { RunManifest } from '../lib/publish';
import { parseS3Url } from '../lib/s3';
import { formatTable } from '../lib/table';
import { auditDataBucket } from './bucket-audit';
import { KAFKA_VERSION } from './kafka/broker';
import { LOCAL_RUN_DIR, mirrorBuckets, prepareRunFolder } from './outputs';
import { createProgress, type Phase } from './progress';
import { firingsBetween, localSchedules } from './schedules';
import { startLocalStack } from './stack';
import { endOffsets, type PartitionOffsets } from './topic';

const MINUTE_MS = 60_000;

/** A mistake on the command line: exit status 2. */
class UsageError extends Error {}

interface PipelineOptions {
  minutes: number;
  stage: string;
  startMs: number;
  endMs: number;
  out: string;
}

function parseOptions(argv: string[]): PipelineOptions {
  let values: { minutes: string; stage: string; start?: string | undefined; out?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string', default: '3' },
        stage: { type: 'string', default: 'dev' },
        start: { type: 'string' },
        out: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const minutes = Number(values.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60)
    throw new UsageError(`--minutes must be a whole number from 1 to 1440, got ${values.minutes}`);
  // Default: the last N whole minutes, so every simulated tick lies in the past.
  const startMs =
    values.start === undefined
      ? Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS
      : Date.parse(values.start);
  if (Number.isNaN(startMs))
    throw new UsageError(
      `--start must be an ISO-8601 instant such as 2026-11-20T14:30:00Z, got ${values.start}`,
    );
  return {
    minutes,
    stage: values.stage,
    startMs,
    endMs: startMs + minutes * MINUTE_MS,
    out: resolve(values.out ?? LOCAL_RUN_DIR),
  };
}

/** Where this run's function logs go, once its folder is ready: failures point there. */
let functionLogPath: string | undefined;

const sum = (offsets: PartitionOffsets) =>
  [...offsets.values()].reduce((total, offset) => total + offset, 0n);

async function main(): Promise<void> {
  const { minutes, stage, startMs, endMs, out } = parseOptions(process.argv.slice(2));
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

  const starting = begin('stack');
  const stack = await startLocalStack({
    stage,
    log: stackLog,
    batchingWindowMs: 500,
    functionLogs: functionLog,
  });
  const failures = { message: undefined as string | undefined };
  try {
    starting.done(
      `${stack.ownBroker ? `Kafka ${KAFKA_VERSION} started` : 'Kafka given by KAFKA_BROKERS'} at ${stack.brokers.join(',')}, topic ${stack.topic}; local S3 at ${stack.s3.endpoint}`,
    );
    // The mapping is created for this run: it starts after what the topic already holds, so a broker with
    // older ticks (KAFKA_BROKERS, npm run kafka:start) changes nothing here.
    const before = await endOffsets(stack);
    const mappings = await stack.startMappings({
      consumerGroupSuffix: `-pipeline-${Date.now()}`,
      startAt: before,
    });
    const schedules = localSchedules(stack.config);
    const firings = firingsBetween({ schedules, startMs, endMs });

    const publishing = begin('publish', firings.length);
    let produced = 0;
    const started = performance.now();
    for (const [index, { time, schedule }] of firings.entries()) {
      const summary = (await stack.invoke(schedule.functionName, schedule.eventAt(time))) as {
        published?: number;
      };
      produced += summary.published ?? 0;
      publishing.update(index + 1, `${time.toISOString().slice(11, 16)} ${schedule.name}`);
    }
    const produceSeconds = (performance.now() - started) / 1000;
    publishing.done(
      `${produced} ticks from ${firings.length} scheduled invocations, ${minutes} min of market from ${new Date(startMs).toISOString()} (${Math.round(produced / produceSeconds)} ticks/s)`,
    );

    const after = await endOffsets(stack);
    const messages = Number(sum(after) - sum(before));
    const landing = begin('land', messages);
    const committed = () =>
      Number(mappings.reduce((total, mapping) => total + sum(mapping.committed()), 0n) - sum(before));
    const watch = setInterval(() => landing.update(committed()), 200);
    try {
      for (const mapping of mappings) await mapping.waitFor(after);
    } finally {
      clearInterval(watch);
    }
    const landSeconds = (performance.now() - started) / 1000;
    const invocations = mappings.reduce((total, mapping) => total + mapping.stats.invocations, 0);
    landing.done(`${messages} records in ${invocations} landTicks invocations`);

    const auditing = begin('audit');
    const audit = await auditDataBucket({
      client: stack.s3.client,
      bucket: stack.resources.DataBucket as string,
    });
    const duplicated = audit.landed - audit.distinct;
    auditing.done(
      `${audit.objects} objects, ${audit.landed} ticks landed, ${duplicated} duplicated, ${audit.quarantined} quarantined`,
    );
    if (audit.landed !== produced || audit.distinct !== produced)
      failures.message = `${produced} ticks were produced but ${audit.distinct} distinct ticks landed (${audit.landed} lines): the landing path lost or duplicated ticks; see ${shown(run.functionLog)}`;

    // One workflow run per UTC day the window touches (a window across midnight spans two dt partitions).
    // Burst firings publish the minute before them, so the ticks start up to a minute before the window.
    const days = [
      ...new Set([startMs - MINUTE_MS, endMs - 1].map((ms) => new Date(ms).toISOString().slice(0, 10))),
    ];
    const reporting = begin('reports', days.length);
    const reportRows: Record<string, number> = {};
    let manifest: RunManifest | undefined;
    for (const [index, day] of days.entries()) {
      let queries = 0;
      const outcome = await stack.runReports({ day }, (task) => {
        if (task === 'runQuery') queries++;
        const step = task === 'startCrawler' || task === 'getCrawler' ? 'crawling' : `${queries} queries`;
        reporting.update(index, `${day}: ${task === 'publish' ? 'publishing' : step}`);
      });
      if (outcome.status !== 'SUCCEEDED')
        throw new Error(`the reports workflow for ${day} failed: ${outcome.error}: ${outcome.cause}`);
      manifest = outcome.output as RunManifest;
      for (const report of manifest.reports)
        reportRows[report.name] = (reportRows[report.name] ?? 0) + report.rows;
      reporting.update(index + 1);
    }
    if (!manifest) throw new Error('no reports workflow ran');
    reporting.done(`${manifest.reports.length} reports for ${days.join(' and ')}, crawled and run in DuckDB`);

    const saving = begin('save');
    const { DataBucket: dataBucket = '', ResultsBucket: resultsBucket = '' } = stack.resources;
    const saved = await mirrorBuckets({
      client: stack.s3.client,
      buckets: [dataBucket, resultsBucket],
      objectPath: run.objectPath,
    });
    const dashboard = run.objectPath(resultsBucket, parseS3Url(manifest.dashboard).key);
    const results = run.objectPath(resultsBucket, 'reports');
    saving.done(`${saved} objects under ${shown(run.dir)}/s3; dashboard ${shown(dashboard)}`);

    for (const report of manifest.reports) {
      const { bucket, key } = parseS3Url(report.latest);
      const object = await stack.s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const rows = parseCsv((await object.Body?.transformToString()) ?? '');
      process.stdout.write(
        `\n${report.name}: ${report.rows} rows (${shown(run.objectPath(bucket, key))})\n${formatTable(rows.slice(0, 6))}\n`,
      );
    }

    const summary = {
      produced,
      landed: audit.landed,
      duplicated,
      quarantined: audit.quarantined,
      objects: audit.objects,
      bytes: audit.bytes,
      messages,
      minutes,
      producerInvocations: firings.length,
      landInvocations: invocations,
      topic: stack.topic,
      bucket: dataBucket,
      reports: reportRows,
      window: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() },
      produceSeconds: Number(produceSeconds.toFixed(3)),
      produceRate: Math.round(produced / produceSeconds),
      landSeconds: Number(landSeconds.toFixed(3)),
      dashboard,
      results,
      data: run.objectPath(dataBucket, 'raw/stock_ticks'),
      log: run.functionLog,
    };
    writeFileSync(run.summary, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`\n${JSON.stringify(summary)}\n`);
  } finally {
    await stack.stop();
    functionLog.end();
  }
  if (failures.message) {
    process.stderr.write(`pipeline failed: ${failures.message}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    process.stderr.write(
      `pipeline: ${message}\nusage: npm run pipeline -- [--minutes N] [--stage dev] [--start ISO-8601] [--out DIR]\n`,
    );
    process.exitCode = 2;
    return;
  }
  process.stderr.write(
    `pipeline failed: ${message}.${functionLogPath ? ` Function logs: ${relative(process.cwd(), functionLogPath)}.` : ''} Fix what it names and run again (KAFKA_BROKERS=host:port uses a broker you started).\n`,
  );
  process.exitCode = 1;
});
