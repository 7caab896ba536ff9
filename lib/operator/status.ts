import { type CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import {
  GetCrawlerCommand,
  GetPartitionsCommand,
  GetTableCommand,
  type GlueClient,
} from '@aws-sdk/client-glue';
import { GetEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { AwsCallError, callAws } from './errors';
import type { StageResources } from './stage-resources';

export interface StageStatus {
  stage: string;
  day: string;
  crawler: {
    name: string;
    state: string;
    lastCrawl: { status: string; startTime: string | undefined; error: string | undefined } | undefined;
  };
  /** `undefined` until the crawler has created the table. */
  table: { name: string; partitionKeys: string[]; columns: number; updated: string | undefined } | undefined;
  /** The day's partitions (`dt=…`, and any deeper level a table has), sorted. */
  partitions: string[];
  executions: { name: string; status: string; started: string | undefined; stopped: string | undefined }[];
  mapping: {
    id: string;
    state: string;
    lastProcessingResult: string | undefined;
    reason: string | undefined;
  };
  alarmsInAlarm: { name: string; reason: string | undefined; since: string | undefined }[];
}

const TABLE = 'stock_ticks';
const iso = (date: Date | undefined) => date?.toISOString();

/** Glue's "no such entity": for the table, a state (the crawler has not run yet), not a failure. */
function isEntityNotFound(error: unknown): boolean {
  return (
    error instanceof AwsCallError && (error.cause as Error | undefined)?.name === 'EntityNotFoundException'
  );
}

/**
 * Whether an alarm is the stage's own. CloudFormation names an alarm it names itself `<stack>-<logical id>-<suffix>`,
 * with a logical id and a suffix of letters and digits only: so the prefix `tickstream-dev-` also finds the alarms of
 * a stage `dev-eu` (`tickstream-dev-eu-…`), whose remainder has one hyphen more.
 */
export function isStackAlarm(
  name: string | undefined,
  resources: Pick<StageResources, 'alarmPrefix'>,
): boolean {
  if (!name?.startsWith(resources.alarmPrefix)) return false;
  return /^[A-Za-z0-9]+-[A-Za-z0-9]+$/.test(name.slice(resources.alarmPrefix.length));
}

/**
 * One look at a deployed stage: the crawler and its last crawl, the `stock_ticks` table and the day's
 * partitions, the reports workflow's last executions, the landTicks mapping's state and the alarms in ALARM.
 */
export async function stageStatus(params: {
  resources: StageResources;
  day: string;
  glue: GlueClient;
  sfn: SFNClient;
  lambda: LambdaClient;
  cloudWatch: CloudWatchClient;
  executions?: number;
  wait?: (ms: number) => Promise<void>;
}): Promise<StageStatus> {
  const { resources, day, glue, sfn, lambda, cloudWatch, wait } = params;
  const tableResource = `table ${resources.database}.${TABLE}`;

  const crawlerResponse = await callAws({
    call: 'glue:GetCrawler',
    resource: `crawler ${resources.crawlerName}`,
    wait,
    send: () => glue.send(new GetCrawlerCommand({ Name: resources.crawlerName })),
  });
  const crawler = crawlerResponse.Crawler;

  const tableResponse = await callAws({
    call: 'glue:GetTable',
    resource: tableResource,
    wait,
    send: () => glue.send(new GetTableCommand({ DatabaseName: resources.database, Name: TABLE })),
  }).catch((error: unknown) => {
    if (isEntityNotFound(error)) return undefined;
    throw error;
  });
  const table = tableResponse?.Table;

  const partitions: string[] = [];
  if (table) {
    const keys = (table.PartitionKeys ?? []).map((key) => key.Name ?? '');
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await callAws({
        call: 'glue:GetPartitions',
        resource: tableResource,
        wait,
        send: () =>
          glue.send(
            new GetPartitionsCommand({
              DatabaseName: resources.database,
              TableName: TABLE,
              Expression: `dt = '${day}'`,
              NextToken: token,
            }),
          ),
      });
      for (const partition of page.Partitions ?? [])
        partitions.push(keys.map((key, i) => `${key}=${partition.Values?.[i] ?? ''}`).join('/'));
      nextToken = page.NextToken;
    } while (nextToken);
    partitions.sort();
  }

  const executionsResponse = await callAws({
    call: 'states:ListExecutions',
    resource: resources.stateMachineArn,
    wait,
    send: () =>
      sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: resources.stateMachineArn,
          maxResults: params.executions ?? 5,
        }),
      ),
  });

  const mapping = await callAws({
    call: 'lambda:GetEventSourceMapping',
    resource: `event source mapping ${resources.landTicksMappingId}`,
    wait,
    send: () => lambda.send(new GetEventSourceMappingCommand({ UUID: resources.landTicksMappingId })),
  });

  const alarms: MetricAlarm[] = [];
  let alarmsToken: string | undefined;
  do {
    const token = alarmsToken;
    const page = await callAws({
      call: 'cloudwatch:DescribeAlarms',
      resource: `alarms ${resources.alarmPrefix}*`,
      wait,
      send: () =>
        cloudWatch.send(
          new DescribeAlarmsCommand({
            AlarmNamePrefix: resources.alarmPrefix,
            StateValue: 'ALARM',
            NextToken: token,
          }),
        ),
    });
    alarms.push(...(page.MetricAlarms ?? []).filter((alarm) => isStackAlarm(alarm.AlarmName, resources)));
    alarmsToken = page.NextToken;
  } while (alarmsToken);

  return {
    stage: resources.stage,
    day,
    crawler: {
      name: resources.crawlerName,
      state: crawler?.State ?? 'UNKNOWN',
      lastCrawl: crawler?.LastCrawl
        ? {
            status: crawler.LastCrawl.Status ?? 'UNKNOWN',
            startTime: iso(crawler.LastCrawl.StartTime),
            error: crawler.LastCrawl.ErrorMessage,
          }
        : undefined,
    },
    table: table
      ? {
          name: `${resources.database}.${TABLE}`,
          partitionKeys: (table.PartitionKeys ?? []).map((key) => key.Name ?? ''),
          columns: table.StorageDescriptor?.Columns?.length ?? 0,
          updated: iso(table.UpdateTime),
        }
      : undefined,
    partitions,
    executions: (executionsResponse.executions ?? []).map((execution) => ({
      name: execution.name ?? '',
      status: execution.status ?? 'UNKNOWN',
      started: iso(execution.startDate),
      stopped: iso(execution.stopDate),
    })),
    mapping: {
      id: resources.landTicksMappingId,
      state: mapping.State ?? 'UNKNOWN',
      lastProcessingResult: mapping.LastProcessingResult,
      reason: mapping.StateTransitionReason,
    },
    alarmsInAlarm: alarms.map((alarm) => ({
      name: alarm.AlarmName ?? '',
      reason: alarm.StateReason,
      since: iso(alarm.StateUpdatedTimestamp),
    })),
  };
}
