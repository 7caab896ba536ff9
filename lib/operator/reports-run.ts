import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RunManifest } from '../reports/publish-reports';
import { sleep } from '../shared/time';
import { callAws, OperationFailedError } from './errors';

export interface ReportsRunStarted {
  executionArn: string;
  day: string | undefined;
}

export interface ReportsRunFinished extends ReportsRunStarted {
  status: 'SUCCEEDED';
  /** One run manifest per day the execution reported (the day in progress, and the day it finalized). */
  manifests: RunManifest[];
  /** Why a run reported nothing: the workflow ran before any tick had landed. */
  noTicksYet?: string;
  seconds: number;
}

/** The name of an execution the CLI starts: its own, so that a retried start cannot start a second run. */
export function manualExecutionName(day: string | undefined, id: string = randomUUID()): string {
  return `manual-${day ?? 'today'}-${id}`;
}

/**
 * Starts one execution of the reports state machine, for `day` or (without it) the UTC day it starts in. The
 * execution has a name chosen here, once. The StartExecution reference: a call with the name and input of an open
 * execution succeeds with the same answer, and one whose name belongs to a closed execution answers
 * ExecutionAlreadyExists. So a start that is retried (by the SDK after a lost answer, or here after throttling)
 * never starts a second run, and ExecutionAlreadyExists for this call's own name (a UUID) means an earlier attempt
 * of it started the run, which has since ended.
 */
export async function startReportsRun(params: {
  sfn: SFNClient;
  stateMachineArn: string;
  day?: string | undefined;
  name?: string;
  wait?: (ms: number) => Promise<void>;
}): Promise<ReportsRunStarted> {
  const { sfn, stateMachineArn, day, name = manualExecutionName(day), wait } = params;
  const started = await callAws({
    call: 'states:StartExecution',
    resource: stateMachineArn,
    wait,
    send: () =>
      sfn
        .send(
          new StartExecutionCommand({
            stateMachineArn,
            name,
            input: JSON.stringify(day === undefined ? {} : { day }),
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof Error && error.name === 'ExecutionAlreadyExists')) throw error;
          return { executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` };
        }),
  });
  if (!started.executionArn)
    throw new OperationFailedError(`StartExecution on ${stateMachineArn} returned no ARN`);
  return { executionArn: started.executionArn, day };
}

/**
 * Polls an execution every `pollMs` until it ends, within `timeoutMs`. SUCCEEDED gives the run manifests (the
 * workflow's output, `{ manifests }`); FAILED, TIMED_OUT or ABORTED throw with the execution's error and cause; still running
 * past the budget throws too (the execution goes on; its ARN is in the message).
 */
export async function waitForReportsRun(params: {
  sfn: SFNClient;
  run: ReportsRunStarted;
  pollMs?: number;
  timeoutMs?: number;
  wait?: (ms: number) => Promise<void>;
  onPoll?: (status: string, elapsedMs: number) => void;
}): Promise<ReportsRunFinished> {
  const { sfn, run, pollMs = 10_000, timeoutMs = 30 * 60_000, wait = sleep, onPoll } = params;
  let elapsedMs = 0;
  for (;;) {
    const execution = await callAws({
      call: 'states:DescribeExecution',
      resource: run.executionArn,
      send: () => sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn })),
      wait,
    });
    const status = execution.status ?? 'UNKNOWN';
    onPoll?.(status, elapsedMs);
    if (status === 'SUCCEEDED') {
      const output = JSON.parse(execution.output ?? '{}') as {
        manifests?: RunManifest[];
        noTicksYet?: string;
      };
      return {
        ...run,
        status,
        manifests: output.manifests ?? [],
        ...(output.noTicksYet ? { noTicksYet: output.noTicksYet } : {}),
        seconds: elapsedMs / 1000,
      };
    }
    if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE')
      throw new OperationFailedError(
        `reports execution ${run.executionArn} ${status}: ${execution.error ?? 'no error'}: ${execution.cause ?? 'no cause given'}`,
      );
    if (elapsedMs + pollMs > timeoutMs)
      throw new OperationFailedError(
        `reports execution ${run.executionArn} still ${status} after ${Math.round(elapsedMs / 1000)} s; it goes on: check it later with tickstream status`,
      );
    await wait(pollMs);
    elapsedMs += pollMs;
  }
}
