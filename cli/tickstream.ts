/**
 * `tickstream`: the operator CLI for a deployed stage. It finds the stage's resources from its CloudFormation
 * outputs and drives them with the AWS SDK: start the reports workflow and wait for it, run one report in Athena,
 * look at the crawler, catalog, workflow, Kafka mapping and alarms. Input mistakes exit 2, failures 1.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GlueClient } from '@aws-sdk/client-glue';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Command, CommanderError, Option } from 'commander';
import { liveLayout } from '../lib/live/live-layout';
import { formatLive, liveJson } from '../lib/live/live-view';
import { InputError } from '../lib/operator/errors';
import { checkDay, utcToday } from '../lib/operator/input';
import { presignedLivePage, readLive } from '../lib/operator/live';
import type { LastRunSummary, LocalRuns } from '../lib/operator/local-run';
import { runReportQuery } from '../lib/operator/report-query';
import { startReportsRun, waitForReportsRun } from '../lib/operator/reports-run';
import { resolveStage } from '../lib/operator/stage-resources';
import { type StageStatus, stageStatus } from '../lib/operator/status';
import { formatTable } from '../lib/operator/table';
import { findReport, REPORTS_DIRECTORY } from '../lib/reports/catalog';
import { toCsv } from '../lib/reports/csv';

/**
 * The region a command works in, by the rule `sls deploy` follows (serverless.yml's `provider.region`): `--region`,
 * else `AWS_REGION`, else us-east-1. A profile's own region is not read by either, so the CLI finds the stack
 * where `sls deploy` put it.
 */
export function regionOf(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return option ?? (env.AWS_REGION || undefined) ?? 'us-east-1';
}

/** The AWS clients the commands use, made once per run for a region. */
export interface CliClients {
  cloudFormation: CloudFormationClient;
  sfn: SFNClient;
  athena: AthenaClient;
  glue: GlueClient;
  lambda: LambdaClient;
  cloudWatch: CloudWatchClient;
  s3: S3Client;
}

export function createClients(region: string): CliClients {
  const config = { region };
  return {
    cloudFormation: new CloudFormationClient(config),
    sfn: new SFNClient(config),
    athena: new AthenaClient(config),
    glue: new GlueClient(config),
    lambda: new LambdaClient(config),
    cloudWatch: new CloudWatchClient(config),
    s3: new S3Client(config),
  };
}

export interface CliDependencies {
  clients: (region: string) => CliClients;
  /** The environment the region is read from (`AWS_REGION`); default the process's. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Standard output (results) and standard error (progress, errors). */
  out: (text: string) => void;
  err: (text: string) => void;
  wait?: (ms: number) => Promise<void>;
  now?: () => Date;
  reportsDirectory?: string;
  /**
   * The last `npm run pipeline`, for `--local`: made only when an option asks for it, so that commands on a
   * deployed stage never load the local stack. Without it, `--local` is an input error.
   */
  localRuns?: () => LocalRuns;
  /** Calls `stop` on Ctrl-C (SIGINT) and returns how to stop listening; default: the process's SIGINT. */
  onInterrupt?: (stop: () => void) => () => void;
  /** Whether standard output is a terminal: `live` then redraws the screen instead of printing one table per refresh. */
  isTerminal?: boolean;
}

/** Ctrl-C, as `tickstream live` listens for it. */
const processInterrupt = (stop: () => void) => {
  process.once('SIGINT', stop);
  return () => {
    process.off('SIGINT', stop);
  };
};

interface StageOptions {
  stage: string;
  region?: string;
}

const FORMATS = ['table', 'csv', 'json'] as const;

/** Rows (header first) as JSON objects keyed by the header. */
function rowsAsObjects(rows: readonly string[][]): Record<string, string>[] {
  const [header = [], ...body] = rows;
  return body.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}

/** The status as the lines a person reads. */
export function formatStatus(status: StageStatus): string {
  const { crawler, table, partitions, executions, mapping, alarmsInAlarm } = status;
  const lastCrawl = crawler.lastCrawl
    ? `last crawl ${crawler.lastCrawl.status} at ${crawler.lastCrawl.startTime ?? '?'}${crawler.lastCrawl.error ? ` (${crawler.lastCrawl.error})` : ''}`
    : 'never crawled';
  const lines = [
    `stage ${status.stage}, day ${status.day}`,
    `crawler   ${crawler.name}: ${crawler.state}, ${lastCrawl}`,
    table
      ? `table     ${table.name}: ${table.columns} columns, partitioned by ${table.partitionKeys.join(', ')}, updated ${table.updated ?? '?'}`
      : 'table     stock_ticks: not in the catalog yet (the crawler has not run)',
    `          ${partitions.length} partitions for ${status.day}${partitions.length > 0 ? ` (${partitions[0]} … ${partitions.at(-1)})` : ''}`,
    `workflow  ${executions.length === 0 ? 'no executions yet' : 'last executions:'}`,
    ...executions.map(
      (execution) =>
        `          ${execution.status.padEnd(9)}  ${execution.started ?? '?'}  ${execution.name}${execution.stopped ? '' : '  (running)'}`,
    ),
    `mapping   landTicks ← Kafka (${mapping.id}): ${mapping.state}, last processing result ${mapping.lastProcessingResult ?? 'none yet'}`,
    `alarms    ${alarmsInAlarm.length === 0 ? 'none in ALARM' : `${alarmsInAlarm.length} in ALARM:`}`,
    ...alarmsInAlarm.map(
      (alarm) => `          ${alarm.name} since ${alarm.since ?? '?'}: ${alarm.reason ?? ''}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Builds the commander program; actions throw, runCli turns errors into exit statuses. */
function buildProgram(deps: CliDependencies): Command {
  const { out, err, wait } = deps;
  const now = deps.now ?? (() => new Date());
  /** The AWS clients in the stage's region (regionOf). */
  const clientsFor = (options: StageOptions) =>
    deps.clients(regionOf(options.region, deps.env ?? process.env));
  const stageOptions = (command: Command) =>
    command
      .option('--stage <stage>', 'the deployed stage (sls deploy --stage)', 'dev')
      .option(
        '--region <region>',
        'AWS region of the stack (default: AWS_REGION, else us-east-1, as sls deploy)',
      );

  const program = new Command('tickstream')
    .description('Operate a deployed tickstream stage: reports, queries, status')
    // One line for a mistake, and where to read more: the whole help would bury the line that matters.
    .showHelpAfterError("(tickstream <command> --help lists the command's options)")
    .configureOutput({ writeOut: out, writeErr: err })
    .exitOverride();

  const reports = program.command('reports').description('the scheduled reports workflow');
  stageOptions(
    reports
      .command('run')
      .description('start the reports workflow (Step Functions) now')
      .option('--day <YYYY-MM-DD>', 'the UTC day to report on (default: the day the execution starts)')
      .option('--wait', 'wait for the execution and print every report of the run')
      .option('--timeout <minutes>', 'how long --wait waits', '30'),
  ).action(async (options: StageOptions & { day?: string; wait?: boolean; timeout: string }) => {
    const day = options.day === undefined ? undefined : checkDay(options.day);
    const timeoutMinutes = Number(options.timeout);
    if (!Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0)
      throw new InputError(`invalid --timeout ${JSON.stringify(options.timeout)}: expected minutes > 0`);
    const clients = clientsFor(options);
    const stage = await resolveStage({ cloudFormation: clients.cloudFormation, stage: options.stage });
    const run = await startReportsRun({
      sfn: clients.sfn,
      stateMachineArn: stage.stateMachineArn,
      day,
      wait,
    });
    err(`started ${run.executionArn} for ${day ?? `${utcToday(now())} (today, UTC)`}\n`);
    if (!options.wait) {
      out(`${run.executionArn}\n`);
      return;
    }
    const finished = await waitForReportsRun({
      sfn: clients.sfn,
      run,
      timeoutMs: timeoutMinutes * 60_000,
      wait,
      onPoll: (status, elapsedMs) => err(`${status} after ${Math.round(elapsedMs / 1000)} s\n`),
    });
    for (const manifest of finished.manifests) {
      out(`day ${manifest.day} (${manifest.final ? 'final' : 'partial'}):\n`);
      out(
        `${formatTable([
          ['report', 'rows', 'csv'],
          ...manifest.reports.map((report) => [report.name, String(report.rows), report.object]),
        ])}\n`,
      );
      out(`manifest ${manifest.manifest}, dashboard ${manifest.dashboard}\n`);
    }
    if (finished.noTicksYet) out(`no reports: ${finished.noTicksYet}\n`);
  });

  stageOptions(
    program
      .command('report')
      .description('run one report (lib/reports/<name>.sql) in Athena and print its rows')
      .argument('<name>', 'the report, e.g. vwap_daily')
      .option('--day <YYYY-MM-DD>', "the UTC day (default: today; with --local, the last run's last day)")
      .option(
        '--local',
        'run it over the last `npm run pipeline` (Trino, the local Athena), no AWS account needed',
      )
      .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table')),
  ).action(
    async (
      name: string,
      options: StageOptions & { day?: string; local?: boolean; format: (typeof FORMATS)[number] },
    ) => {
      const report = findReportOrInputError(name, deps.reportsDirectory);
      let result: { rows: string[][]; bytesScanned: number; queryExecutionId?: string };
      let day: string;
      if (options.local) {
        const localRuns = localRunsOrInputError(deps);
        const lastRun = readLastRunOrInputError(localRuns);
        day = checkDay(options.day ?? Object.keys(lastRun.days).at(-1) ?? '');
        result = await localRuns.query({ report, day });
      } else {
        day = checkDay(options.day ?? utcToday(now()));
        const clients = clientsFor(options);
        const stage = await resolveStage({ cloudFormation: clients.cloudFormation, stage: options.stage });
        result = await runReportQuery({
          athena: clients.athena,
          report,
          day,
          workGroup: stage.workGroup,
          database: stage.database,
          wait,
        });
      }
      err(
        `${report.name} for ${day}: ${Math.max(0, result.rows.length - 1)} rows, ${result.bytesScanned} bytes scanned (${result.queryExecutionId ? `query ${result.queryExecutionId}` : 'last local run'})\n`,
      );
      if (options.format === 'csv') out(toCsv(result.rows));
      else if (options.format === 'json') out(`${JSON.stringify(rowsAsObjects(result.rows), null, 2)}\n`);
      else out(`${formatTable(result.rows)}\n`);
    },
  );

  stageOptions(
    program
      .command('status')
      .description('crawler, catalog, workflow executions, Kafka mapping and alarms of a stage')
      .option('--day <YYYY-MM-DD>', 'the day whose partitions to list (default: today)')
      .option('--json', 'print the status as JSON')
      .option('--local', 'the last `npm run pipeline` instead of a deployed stage'),
  ).action(async (options: StageOptions & { day?: string; json?: boolean; local?: boolean }) => {
    if (options.local) {
      const run = readLastRunOrInputError(localRunsOrInputError(deps));
      out(options.json ? `${JSON.stringify(run, null, 2)}\n` : formatLastRun(run));
      return;
    }
    const day = checkDay(options.day ?? utcToday(now()));
    const clients = clientsFor(options);
    const resources = await resolveStage({ cloudFormation: clients.cloudFormation, stage: options.stage });
    const status = await stageStatus({ resources, day, ...clients, wait });
    out(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  });

  stageOptions(
    program
      .command('live')
      .description('the market now: last price, change today, tick time and age per symbol, and open alerts')
      .option('--once', 'print once and exit')
      .option('--json', 'with --once: print JSON')
      .option('--interval <seconds>', 'seconds between refreshes', '5')
      .option(
        '--url',
        'print a link to the live page that works for --expires seconds, without a public bucket',
      )
      .option('--expires <seconds>', 'how long the --url link works (at most 604800, a week)', '3600'),
  ).action(
    async (
      options: StageOptions & {
        once?: boolean;
        json?: boolean;
        interval: string;
        url?: boolean;
        expires: string;
      },
    ) => {
      const interval = Number(options.interval);
      if (!Number.isFinite(interval) || interval < 1 || interval > 3600)
        throw new InputError(
          `--interval must be a number of seconds from 1 to 3600, got ${options.interval}`,
        );
      const expires = Number(options.expires);
      if (!Number.isInteger(expires) || expires < 1 || expires > 604_800)
        throw new InputError(`--expires must be whole seconds from 1 to 604800, got ${options.expires}`);
      if (options.json && !options.once) throw new InputError('--json goes with --once');
      const clients = clientsFor(options);
      const resources = await resolveStage({ cloudFormation: clients.cloudFormation, stage: options.stage });
      const target = { s3: clients.s3, bucket: resources.resultsBucket, layout: liveLayout() };
      if (options.url) {
        out(`${await presignedLivePage({ ...target, expiresIn: expires })}\n`);
        err(
          `tickstream: the link works for ${expires} s; anyone holding it can read the live page, snapshot and alerts\n`,
        );
        return;
      }
      const show = async () => {
        const { snapshot, alerts } = await readLive(target);
        const nowMs = now().getTime();
        if (options.json) out(`${JSON.stringify(liveJson(snapshot, alerts, nowMs), null, 2)}\n`);
        else
          out(
            `${deps.isTerminal ? '\x1b[H\x1b[2J' : ''}${formatLive(snapshot, alerts, nowMs, options.stage)}`,
          );
      };
      if (options.once) {
        await show();
        return;
      }
      let stopped = false;
      let wake: () => void = () => undefined;
      const unlisten = (deps.onInterrupt ?? processInterrupt)(() => {
        stopped = true;
        wake();
      });
      const pause = deps.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
      try {
        while (!stopped) {
          await show();
          // Ctrl-C ends the pause at once: the command exits 0 without waiting for the next refresh.
          const woken = new Promise<void>((resolve) => {
            wake = resolve;
          });
          if (!stopped) await Promise.race([woken, pause(interval * 1000)]);
        }
      } finally {
        unlisten();
      }
    },
  );

  return program;
}

function localRunsOrInputError(deps: CliDependencies): LocalRuns {
  if (!deps.localRuns)
    throw new InputError(
      '--local reads the last npm run pipeline: run tickstream from a checkout of tickstream',
    );
  return deps.localRuns();
}

function readLastRunOrInputError(localRuns: LocalRuns): LastRunSummary {
  try {
    return localRuns.read();
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

/** The last local run as the lines a person reads. */
export function formatLastRun(run: LastRunSummary): string {
  return `${[
    `last local run: ${run.window ? `ticks of ${run.window.start} to ${run.window.end}` : 'no ticks produced'}`,
    `ticks     ${run.produced} produced, ${run.landed} landed, ${run.duplicated} duplicated, ${run.quarantined} quarantined`,
    ...Object.entries(run.reports).map(
      ([day, rows]) =>
        `reports   ${day} (${run.days[day] ?? 'partial'}): ${Object.entries(rows)
          .map(([name, count]) => `${name} ${count}`)
          .join(', ')}`,
    ),
    `dashboard ${run.dashboard}`,
    `results   ${run.results}`,
    `logs      ${run.log}`,
  ].join('\n')}\n`;
}

function findReportOrInputError(name: string, directory = REPORTS_DIRECTORY) {
  try {
    return findReport(name, directory);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns its exit status: 0 done, 1 an AWS call or
 * the operation failed (the message names the call and resource, or the execution's error), 2 bad input.
 */
export async function runCli(argv: readonly string[], deps: CliDependencies): Promise<number> {
  const program = buildProgram(deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its message (and the help); help and version are not errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof InputError) {
      deps.err(`tickstream: ${error.message}\n`);
      return 2;
    }
    deps.err(`tickstream: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
