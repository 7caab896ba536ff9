import { createWriteStream, type WriteStream } from 'node:fs';
import { relative } from 'node:path';
import { liveLayout } from '../../lib/live/live-layout';
import { publishLivePage } from '../../lib/live/page';
import { type Firing, firingsBetween, localSchedules } from '../aws/schedules';
import { KAFKA_VERSION } from '../services/kafka/jars';
import { readS3Text } from '../services/s3/s3';
import { isTrinoCached, TRINO_VERSION } from '../services/trino/distribution';
import { loadLocalStackConfig } from '../stack/config';
import { type LocalStack, startLocalStack } from '../stack/local-stack';
import { FIXTURE_ENVIRONMENT, type Interception, serveAlphaVantageFixtures } from './alphavantage-fixtures';
import { type PipelineOptions, UsageError } from './options';
import { prepareRunFolder, type RunFolder } from './outputs';
import { createProgress, type Phase } from './progress';

/** Everything one `npm run pipeline` works with: its options, output folder, screen, stack and schedule firings. */
export interface PipelineSession {
  options: PipelineOptions;
  run: RunFolder;
  stack: LocalStack;
  /** The window's schedule firings, in time order. */
  firings: Firing[];
  /** The recorded Alpha Vantage answers, when the producers run on them (`--source alphavantage --fixtures`). */
  fixtureServer: Interception | undefined;
  /** Tells the fixtures which schedule minute is being run (GLOBAL_QUOTE answers with that minute's quote). */
  setFiringTime(timeMs: number): void;
  /** Starts a phase on the screen: a line (or a bar) on stderr. */
  begin(name: string, total?: number): Phase;
  /** A path as the screen shows it: relative to where the command runs. */
  shown(path: string): string;
  /** An object of the local S3 as text. */
  readText(url: string): Promise<string>;
  /** A line in the run's function log (what the local AWS did, e.g. a retried invocation), never on the screen. */
  log(line: string): void;
  /** What went wrong without stopping the run; reported at the end, exit status 1. */
  failures: string[];
  /** Stops the stack and the fixtures, and closes the function log. */
  close(): Promise<void>;
}

/**
 * Prepares the run's folder and screen, starts the local stack (and the fixtures, when asked for) and lists the
 * window's schedule firings. Function logs go to the run's `logs/functions.log`, never to the screen.
 */
export async function openSession(
  options: PipelineOptions,
  /** Told the run's folder as soon as it exists, before anything can fail: error messages point into it. */
  onFolder: (run: RunFolder) => void = () => undefined,
): Promise<PipelineSession> {
  const run = prepareRunFolder(options.out);
  onFolder(run);
  const shown = (path: string) => relative(process.cwd(), path) || '.';
  const file: WriteStream = createWriteStream(run.functionLog, { flags: 'a' });
  // A client still retrying after its invocation failed may log after the run closed the file: such lines are
  // dropped rather than written to a closed stream (which would end the process with a stack trace).
  let closed = false;
  const functionLog = {
    write: (line: string) => (closed ? false : file.write(line)),
  };
  const logLine = (source: string, line: string) =>
    functionLog.write(`${new Date().toISOString()} [${source}] ${line}\n`);
  const progress = createProgress({ stream: process.stderr });
  progress.note(`function logs: ${shown(run.functionLog)}`);
  let current: Phase | undefined;
  const begin = (name: string, total?: number) => {
    current = progress.phase(name, total);
    return current;
  };
  process.on('exit', () => current?.abort());

  let firingMs = options.startMs;
  const fixtureServer =
    options.source === 'alphavantage' ? serveAlphaVantageFixtures({ clock: () => firingMs }) : undefined;
  // The first run on a machine downloads Trino: say so, or the stack phase looks stuck for half a minute.
  if (!loadLocalStackConfig().externalTrino && !isTrinoCached())
    progress.note(
      `first run: fetching Trino ${TRINO_VERSION} (the local Athena) from Maven Central into .cache/, about 450 MB, once`,
    );
  if (options.brokers > 1 && loadLocalStackConfig().externalBrokers)
    throw new UsageError(
      `--brokers ${options.brokers} starts a Kafka cluster of its own, but KAFKA_BROKERS names one: unset it, or leave out --brokers`,
    );
  const starting = begin('stack');
  const stack = await startLocalStack({
    stage: options.stage,
    log: (line) => logLine('local stack', line),
    batchingWindowMs: 500,
    brokerNodes: options.brokers,
    functionLogs: functionLog,
    trinoLogFile: run.trinoLog,
    ...(fixtureServer ? { functionEnvironment: FIXTURE_ENVIRONMENT } : {}),
    ...(options.anomalies === '' ? {} : { functionEnvironment: { SIMULATION_ANOMALIES: options.anomalies } }),
  });
  // The live page, as publishReports writes it on AWS; the local S3 serves it (and the snapshot) while the run lasts.
  const live = liveLayout(stack.config.custom.live.prefix);
  const resultsBucket = stack.resources.ResultsBucket ?? '';
  await publishLivePage({
    s3: stack.s3.client,
    bucket: resultsBucket,
    key: live.pageKey,
    stage: options.stage,
  });
  starting.done(
    `${stack.ownBroker ? `Kafka ${KAFKA_VERSION} started${stack.brokerNodes.length > 1 ? ` (${stack.brokerNodes.length} nodes, replication factor 3)` : ''}` : 'Kafka given by KAFKA_BROKERS'} at ${stack.brokers.join(',')} (${stack.auth.sasl ? 'SASL_SSL, SCRAM-SHA-512' : 'plaintext'}), topic ${stack.topic}; local S3 at ${stack.s3.endpoint}; Trino at ${stack.trino.url}`,
  );
  progress.note(`live page (while the run lasts): ${stack.s3.endpoint}/${resultsBucket}/${live.pageKey}`);
  return {
    options,
    run,
    stack,
    firings: firingsBetween({
      schedules: localSchedules(stack.config),
      startMs: options.startMs,
      endMs: options.endMs,
    }),
    fixtureServer,
    setFiringTime: (timeMs) => {
      firingMs = timeMs;
    },
    begin,
    shown,
    readText: (url) => readS3Text(stack.s3.client, url),
    log: (line) => logLine('local schedules', line),
    failures: [],
    async close() {
      await stack.stop();
      await fixtureServer?.stop();
      closed = true;
      file.end();
    },
  };
}
