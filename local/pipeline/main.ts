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
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { endOffsets } from '../services/kafka/topic';
import { parseOptions, USAGE, UsageError } from './options';
import {
  auditLanded,
  daysOf,
  JUDGES_LANDED,
  landUntil,
  liveAlerts,
  printPreviews,
  publishWindow,
  replayWindow,
  reportDays,
  rowsPerDay,
  saveOutputs,
  sum,
} from './phases';
import { openSession, type PipelineSession } from './session';

/** Where this run's function logs go, once its folder is ready: failures point there. */
let functionLogPath: string | undefined;

/** The run, phase by phase: publish, land, audit, report, (replay), save, print the summary. */
async function runPipeline(session: PipelineSession): Promise<void> {
  const { stack, options, run } = session;
  // The mapping is created for this run: it starts after what the topic already holds, so a broker with
  // older ticks (KAFKA_BROKERS, npm run kafka:start) changes nothing here.
  const before = await endOffsets(stack);
  const mappings = await stack.startMappings({
    consumerGroupSuffix: `-pipeline-${Date.now()}`,
    startAt: before,
  });

  const started = performance.now();
  // Before each watch firing: everything published so far has landed (the minute is judged once it is in).
  const settle = async () => {
    const target = await endOffsets(stack);
    for (const mapping of mappings) await mapping.waitFor(target);
  };
  const published = await publishWindow(session, 'publish', settle);
  const after = await endOffsets(stack);
  const landed = await landUntil(
    session,
    'land',
    mappings.map((mapping) => ({ mapping, from: before })),
    after,
    0,
  );
  // From the first publish until the last record landed.
  const endToEndSeconds = (performance.now() - started) / 1000;

  const audit = await auditLanded(session, 'audit');
  const alerts = await liveAlerts(session, 'alerts');
  const { produced } = published;
  // A retried minute publishes again what its failed attempt may already have sent: Kafka then holds those
  // ticks twice (at least once into Kafka), and the reports count each once. Without a retry, a duplicate line
  // is the landing's fault.
  const duplicatesExplained = published.retries > 0;
  if (audit.distinct !== produced || (audit.landed !== produced && !duplicatesExplained))
    session.failures.push(
      `${produced} ticks were produced but ${audit.distinct} distinct ticks landed (${audit.landed} lines): the landing path lost or duplicated ticks; see ${session.shown(run.functionLog)}`,
    );

  const days = daysOf(options);
  const first = await reportDays(session, 'reports', days);
  const replay = options.replay
    ? await replayWindow(session, { before, after, mappings, produced, reports: first }, days)
    : undefined;
  const final = replay?.reports ?? first;

  const { dashboard, results, latest } = await saveOutputs(session, final);
  printPreviews(session, final, latest);

  const dataBucket = stack.resources.DataBucket ?? '';
  const summary = {
    source: session.fixtureServer ? 'alphavantage (recorded fixtures)' : 'simulated',
    ...(session.fixtureServer ? { marketDataRequests: session.fixtureServer.requests.length } : {}),
    produced,
    landed: audit.landed,
    duplicated: audit.landed - audit.distinct,
    quarantined: audit.quarantined,
    objects: audit.objects,
    bytes: audit.bytes,
    messages: Number(sum(after) - sum(before)),
    minutes: options.minutes,
    producerInvocations: session.firings.filter(({ schedule }) => !JUDGES_LANDED.has(schedule.functionName))
      .length,
    producerRetries: published.retries,
    landInvocations: landed.invocations,
    topic: stack.topic,
    bucket: dataBucket,
    reports: rowsPerDay(final),
    days: Object.fromEntries(
      final.manifests.map((manifest) => [manifest.day, manifest.final ? 'final' : 'partial']),
    ),
    ...(replay ? { replay: replay.summary } : {}),
    // What the alerts' clock opened and resolved over the window (live/alerts.json in the results bucket).
    alerts,
    // The minutes the produced ticks describe (firings publish the minute that ended at them).
    window: published.window ?? null,
    produceSeconds: Number(published.seconds.toFixed(3)),
    produceRate: Math.round(produced / published.seconds),
    // What the screen's land line shows: the wait after publishing until every record had landed.
    landSeconds: Number(landed.seconds.toFixed(3)),
    endToEndSeconds: Number(endToEndSeconds.toFixed(3)),
    dashboard,
    results,
    data: run.objectPath(dataBucket, stack.layout.rawPrefix),
    log: run.functionLog,
  };
  writeFileSync(run.summary, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`\n${JSON.stringify(summary)}\n`);
}

/** How long a stop signal waits for the stack to stop cleanly before the exit handlers kill what is left. */
const STOP_GRACE_MS = 15_000;
let openedSession: PipelineSession | undefined;

/**
 * SIGTERM or SIGHUP (a `kill`, a closed terminal; Ctrl-C's SIGINT reaches the broker and Trino too, as one process
 * group): stop the stack and exit 128 + the signal's number. What does not stop within the grace period, or was
 * still starting, is killed by the exit handlers of the broker and Trino.
 */
function stopOn(signal: 'SIGTERM' | 'SIGHUP', code: number): void {
  process.once(signal, () => {
    process.stderr.write(`\npipeline: stopped by ${signal}; stopping the local stack\n`);
    const timer = setTimeout(() => process.exit(code), STOP_GRACE_MS);
    void (openedSession?.close() ?? Promise.resolve())
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        process.exit(code);
      });
  });
}

async function main(): Promise<void> {
  stopOn('SIGTERM', 143);
  stopOn('SIGHUP', 129);
  const options = parseOptions(process.argv.slice(2));
  const session = await openSession(options, (run) => {
    functionLogPath = run.functionLog;
  });
  openedSession = session;
  try {
    await runPipeline(session);
  } finally {
    await session.close();
  }
  if (session.failures.length > 0) {
    process.stderr.write(`pipeline failed: ${session.failures.join('; ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    process.stderr.write(`pipeline: ${message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(
    `pipeline failed: ${message}.${functionLogPath ? ` Function logs: ${relative(process.cwd(), functionLogPath)}.` : ''} Fix what it names and run again (KAFKA_BROKERS=host:port uses a broker you started).\n`,
  );
  process.exitCode = 1;
});
