/**
 * `npm run pipeline`: the whole pipeline on this machine. Starts a real Kafka broker, fires the producers'
 * EventBridge schedules from serverless.yml on a fast-forwarded clock, reads the topic back, and prints as its
 * last line one JSON object with the counts.
 */
import { parseArgs } from 'node:util';
import { firingsBetween, localSchedules } from './schedules';
import { startLocalStack } from './stack';
import { endOffsets, readBetween } from './topic';

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
  const stack = await startLocalStack({ stage: values.stage, log: progress });
  try {
    const before = await endOffsets(stack);
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
    const produceSeconds = (performance.now() - started) / 1000;

    const after = await endOffsets(stack);
    const messages = await readBetween({ ...stack, from: before, to: after });
    progress(`read back ${messages.length} messages from ${stack.topic} across ${after.size} partitions`);

    console.log(
      JSON.stringify({
        produced,
        readBack: messages.length,
        minutes,
        invocations: firings.length,
        topic: stack.topic,
        brokers: stack.brokers,
        window: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() },
        produceSeconds: Number(produceSeconds.toFixed(3)),
      }),
    );
    if (messages.length !== produced) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
