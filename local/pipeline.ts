/**
 * `npm run pipeline`: the whole pipeline on this machine. Starts a real Kafka broker and a local S3 endpoint,
 * runs serverless.yml's Kafka event source mapping locally (landTicks), fires the producers' EventBridge
 * schedules on a fast-forwarded clock, waits until every tick has landed, audits the bucket, and prints as
 * its last line one JSON object with the counts.
 */
import { parseArgs } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parseCsv } from '../lib/csv';
import type { RunManifest } from '../lib/publish';
import { parseS3Url } from '../lib/s3';
import { formatTable } from '../lib/table';
import { auditDataBucket } from './bucket-audit';
import { firingsBetween, localSchedules } from './schedules';
import { startLocalStack } from './stack';
import { endOffsets } from './topic';

const MINUTE_MS = 60_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '3' },
      stage: { type: 'string', default: 'dev' },
      start: { type: 'string' },
    },
  });
  const minutes = Number(values.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60) {
    throw new Error(`--minutes must be a whole number from 1 to 1440, got ${values.minutes}`);
  }
  // Default: the last N whole minutes, so every simulated tick lies in the past.
  const startMs =
    values.start === undefined
      ? Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS
      : Date.parse(values.start);
  if (Number.isNaN(startMs)) throw new Error(`--start must be an ISO-8601 instant, got ${values.start}`);
  const endMs = startMs + minutes * MINUTE_MS;

  const progress = (line: string) => console.error(`[pipeline] ${line}`);
  const stack = await startLocalStack({ stage: values.stage, log: progress, batchingWindowMs: 500 });
  try {
    const before = await endOffsets(stack);
    const mappings = await stack.startMappings({ consumerGroupSuffix: `-pipeline-${Date.now()}` });
    const schedules = localSchedules(stack.config);
    const firings = firingsBetween({ schedules, startMs, endMs });
    progress(
      `${schedules.length} schedules, ${firings.length} firings from ${new Date(startMs).toISOString()} for ${minutes} min`,
    );

    let produced = 0;
    const started = performance.now();
    for (const { time, schedule } of firings) {
      const summary = (await stack.invoke(schedule.functionName, schedule.eventAt(time))) as {
        published?: number;
      };
      produced += summary.published ?? 0;
      progress(
        `${time.toISOString()} ${schedule.name}: published ${summary.published ?? 0} (total ${produced})`,
      );
    }
    const after = await endOffsets(stack);
    const produceSeconds = (performance.now() - started) / 1000;
    for (const mapping of mappings) await mapping.waitFor(after);
    const landSeconds = (performance.now() - started) / 1000;
    const invocations = mappings.reduce((sum, mapping) => sum + mapping.stats.invocations, 0);
    progress(`landTicks caught up: ${invocations} invocations`);

    const audit = await auditDataBucket({
      client: stack.s3.client,
      bucket: stack.resources.DataBucket as string,
    });
    progress(
      `s3://${stack.resources.DataBucket}: ${audit.objects} objects, ${audit.landed} ticks, ${audit.quarantined} quarantined`,
    );
    // One workflow run per UTC day the window touches (a window across midnight spans two dt partitions).
    // Burst firings publish the minute before them, so the ticks start up to a minute before the window.
    const days = [
      ...new Set([startMs - 60_000, endMs - 1].map((ms) => new Date(ms).toISOString().slice(0, 10))),
    ];
    const reportRows: Record<string, number> = {};
    let manifest: RunManifest | undefined;
    for (const day of days) {
      const outcome = await stack.runReports({ day });
      if (outcome.status !== 'SUCCEEDED')
        throw new Error(`the reports workflow for ${day} failed: ${outcome.error}: ${outcome.cause}`);
      manifest = outcome.output as RunManifest;
      for (const report of manifest.reports)
        reportRows[report.name] = (reportRows[report.name] ?? 0) + report.rows;
    }
    if (!manifest) throw new Error('no reports workflow ran');
    for (const report of manifest.reports) {
      const { bucket, key } = parseS3Url(report.latest);
      const object = await stack.s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      console.log(`\n${report.name} (${report.rows} rows, ${report.latest})`);
      console.log(formatTable(parseCsv((await object.Body?.transformToString()) ?? '').slice(0, 6)));
    }
    progress(`reports published: ${manifest.manifest}, dashboard ${manifest.dashboard}`);
    const newMessages = [...after].reduce(
      (sum, [partition, end]) => sum + Number(end - (before.get(partition) ?? 0n)),
      0,
    );

    console.log(
      JSON.stringify({
        produced,
        landed: audit.landed,
        duplicated: audit.landed - audit.distinct,
        quarantined: audit.quarantined,
        objects: audit.objects,
        bytes: audit.bytes,
        messages: newMessages,
        minutes,
        producerInvocations: firings.length,
        landInvocations: invocations,
        topic: stack.topic,
        bucket: stack.resources.DataBucket,
        reports: reportRows,
        reportsManifest: manifest.manifest,
        window: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() },
        produceSeconds: Number(produceSeconds.toFixed(3)),
        landSeconds: Number(landSeconds.toFixed(3)),
      }),
    );
    if (audit.landed !== produced || audit.distinct !== produced) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
