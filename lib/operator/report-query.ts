import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { Report } from '../reports/catalog';
import { sleep } from '../shared/time';
import { callAws, OperationFailedError } from './errors';

export interface ReportResult {
  report: string;
  day: string;
  queryExecutionId: string;
  /** The header row first, then the data rows. */
  rows: string[][];
  bytesScanned: number;
  outputLocation: string | undefined;
}

/**
 * Runs a report's SQL for one day in a workgroup and database, as the workflow does (the day as an execution
 * parameter), waits for it (polling every `pollMs`, at most `timeoutMs`) and reads every page of its results
 * (each page retried on throttling by itself).
 * A FAILED or CANCELLED query throws with Athena's reason.
 */
export async function runReportQuery(params: {
  athena: AthenaClient;
  report: Report;
  day: string;
  workGroup: string;
  database: string;
  pollMs?: number;
  timeoutMs?: number;
  wait?: (ms: number) => Promise<void>;
}): Promise<ReportResult> {
  const {
    athena,
    report,
    day,
    workGroup,
    database,
    pollMs = 1000,
    timeoutMs = 10 * 60_000,
    wait = sleep,
  } = params;
  const started = await callAws({
    call: 'athena:StartQueryExecution',
    resource: `workgroup ${workGroup}`,
    wait,
    send: () =>
      athena.send(
        new StartQueryExecutionCommand({
          QueryString: report.sql,
          WorkGroup: workGroup,
          QueryExecutionContext: { Database: database },
          // Athena substitutes parameters as SQL literals: a string goes in quoted.
          ExecutionParameters: [`'${day}'`],
        }),
      ),
  });
  const id = started.QueryExecutionId;
  if (!id) throw new OperationFailedError(`StartQueryExecution in ${workGroup} returned no query id`);

  let elapsedMs = 0;
  for (;;) {
    const { QueryExecution: execution } = await callAws({
      call: 'athena:GetQueryExecution',
      resource: `query ${id}`,
      wait,
      send: () => athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
    });
    const state = execution?.Status?.State;
    if (state === 'SUCCEEDED') {
      const rows: string[][] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const page = await callAws({
          call: 'athena:GetQueryResults',
          resource: `query ${id}`,
          wait,
          send: () => athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token })),
        });
        for (const row of page.ResultSet?.Rows ?? [])
          rows.push((row.Data ?? []).map((cell) => cell.VarCharValue ?? ''));
        nextToken = page.NextToken;
      } while (nextToken);
      return {
        report: report.name,
        day,
        queryExecutionId: id,
        rows,
        bytesScanned: execution?.Statistics?.DataScannedInBytes ?? 0,
        outputLocation: execution?.ResultConfiguration?.OutputLocation,
      };
    }
    if (state === 'FAILED' || state === 'CANCELLED')
      throw new OperationFailedError(
        `report ${report.name} (query ${id}) ${state}: ${execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage ?? 'Athena gave no reason'}`,
      );
    if (elapsedMs + pollMs > timeoutMs)
      throw new OperationFailedError(
        `report ${report.name} (query ${id}) still ${state} after ${timeoutMs / 1000} s`,
      );
    await wait(pollMs);
    elapsedMs += pollMs;
  }
}
