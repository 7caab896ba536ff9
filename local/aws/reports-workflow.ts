import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

type Json = Parameters<StateMachine['run']>[0];

/** The local stand-ins bound to the workflow's Task states, by state name. */
export interface ReportsTasks {
  plan(payload: unknown): Promise<unknown>;
  move(payload: unknown): Promise<unknown>;
  listObjects(input: { Bucket: unknown; Prefix: string; MaxKeys?: number }): Promise<{ KeyCount?: number }>;
  getPartition(input: {
    DatabaseName: string;
    TableName: string;
    PartitionValues: string[];
  }): Promise<unknown>;
  getTable(input: { DatabaseName: string; Name: string }): Promise<unknown>;
  startCrawler(input: { Name: string }): Promise<unknown>;
  getCrawler(input: { Name: string }): Promise<unknown>;
  runQuery(input: {
    QueryString: string;
    WorkGroup?: string;
    QueryExecutionContext?: { Database?: string };
    ExecutionParameters?: string[];
  }): Promise<unknown>;
  publish(payload: unknown): Promise<unknown>;
  notify(input: { Subject?: string; Message: string }): Promise<void>;
}

/** The same tasks, telling `onTask` after each one's work succeeded. */
export function observeTasks(tasks: ReportsTasks, onTask: (task: keyof ReportsTasks) => void): ReportsTasks {
  const observed = {} as Record<keyof ReportsTasks, (input: never) => Promise<unknown>>;
  for (const name of Object.keys(tasks) as (keyof ReportsTasks)[]) {
    const task = tasks[name] as (input: never) => Promise<unknown>;
    observed[name] = async (input) => {
      const result = await task(input);
      onTask(name);
      return result;
    };
  }
  return observed as unknown as ReportsTasks;
}

export type WorkflowOutcome =
  | { status: 'SUCCEEDED'; output: unknown; notifications: string[] }
  | { status: 'FAILED'; error: string; cause: string; notifications: string[] };

/**
 * Runs the reports state machine's ASL, exactly as deployed, with its Task states bound to local functions and
 * its crawler poll wait shortened. A failed execution resolves as FAILED with the error and cause it ended with.
 */
export async function runReportsWorkflow(params: {
  definition: unknown;
  tasks: ReportsTasks;
  input?: Record<string, unknown>;
  executionName?: string;
  startTime?: Date;
  pollWaitMs?: number;
}): Promise<WorkflowOutcome> {
  const { tasks, input = {}, pollWaitMs = 0 } = params;
  const executionName = params.executionName ?? `local-${Date.now()}`;
  const startTime = (params.startTime ?? new Date()).toISOString();
  const notifications: string[] = [];
  const machine = new StateMachine(params.definition as StateMachineDefinition, {
    validationOptions: { checkArn: false, checkPaths: true },
  });
  const invokeMove = async (state: Json) => ({
    StatusCode: 200,
    Payload: await tasks.move((state as { Payload: unknown }).Payload),
  });
  const handlers = {
    PlanDays: async (state: Json) => {
      const payload = (state as { Payload: Record<string, unknown> }).Payload;
      // aws-local-stepfunctions stamps $$.Execution.StartTime with the wall clock whatever the context says; the
      // plan step is the one state that reads it, so the run's own clock is put back there.
      return { StatusCode: 200, Payload: await tasks.plan({ ...payload, startTime }) };
    },
    FindDayFolder: (state: Json) => tasks.listObjects(state as Parameters<ReportsTasks['listObjects']>[0]),
    PlanMove: (state: Json) => invokeMove(state),
    ArchiveMoved: (state: Json) => invokeMove(state),
    PlanCompaction: (state: Json) => invokeMove(state),
    DropReplacedParts: (state: Json) => invokeMove(state),
    WriteColumnarPart: (state: Json) => tasks.runQuery(state as Parameters<ReportsTasks['runQuery']>[0]),
    WriteCompactedDay: (state: Json) => tasks.runQuery(state as Parameters<ReportsTasks['runQuery']>[0]),
    GetDayPartition: (state: Json) =>
      tasks.getPartition(state as Parameters<ReportsTasks['getPartition']>[0]),
    FindTicksTable: (state: Json) => tasks.getTable(state as Parameters<ReportsTasks['getTable']>[0]),
    StartCrawler: (state: Json) => tasks.startCrawler(state as { Name: string }),
    GetCrawler: (state: Json) => tasks.getCrawler(state as { Name: string }),
    CreateUniqueTicksView: (state: Json) => tasks.runQuery(state as Parameters<ReportsTasks['runQuery']>[0]),
    RunQuery: (state: Json) => tasks.runQuery(state as Parameters<ReportsTasks['runQuery']>[0]),
    Publish: async (state: Json) => ({
      StatusCode: 200,
      Payload: await tasks.publish((state as { Payload: unknown }).Payload),
    }),
    NotifyFailure: async (state: Json) => {
      const message = state as { Subject?: string; Message: string };
      notifications.push(message.Message);
      await tasks.notify(message);
      return { MessageId: `local-${notifications.length}` };
    },
  } as Record<string, (state: Json) => Promise<unknown>>;
  const execution = machine.run(input as Json, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: { WaitForCrawler: pollWaitMs },
    },
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:000000000000:execution:tickstream-local-reports:${executionName}`,
        Name: executionName,
        Input: input as Json,
        StartTime: startTime,
      },
    },
  });
  try {
    const output = await execution.result;
    return { status: 'SUCCEEDED', output, notifications };
  } catch (error) {
    if (error instanceof ExecutionError) {
      // The Fail state's error and cause, as DescribeExecution reports them on AWS.
      const failure = error.cause instanceof Error ? error.cause : error;
      return { status: 'FAILED', error: failure.name, cause: failure.message, notifications };
    }
    throw error;
  }
}
