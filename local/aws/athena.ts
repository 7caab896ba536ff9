import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { toCsv } from '../../lib/reports/csv';
import { TrinoQueryError } from '../services/trino/client';
import type { LocalHiveCatalog } from '../services/trino/hive-catalog';
import { sqlString } from '../services/trino/sql';
import { athenaText } from './athena-results';
import { ServiceError } from './glue-crawler';

/**
 * Athena execution parameters are SQL literals (`'2026-11-20'`, `42`), substituted for the `?`s in order. Anything
 * else is refused, as Athena refuses it, before it reaches the engine.
 */
export function parameterLiterals(parameters: readonly string[] | undefined): string[] {
  return (parameters ?? []).map((literal) => {
    if (/^'(?:[^']|'')*'$/s.test(literal) || /^-?\d+(\.\d+)?$/.test(literal)) return literal;
    throw new ServiceError('States.TaskFailed', `execution parameter ${literal} is not a literal`);
  });
}

/**
 * The statement Trino runs for an Athena query with execution parameters: the SQL unedited, its `?`s bound by
 * Trino itself (EXECUTE IMMEDIATE … USING, trino.io/docs/current/sql/execute-immediate.html).
 */
export function parameterizedStatement(sql: string, parameters: readonly string[] | undefined): string {
  const literals = parameterLiterals(parameters);
  return literals.length === 0 ? sql : `EXECUTE IMMEDIATE ${sqlString(sql)} USING ${literals.join(', ')}`;
}

/** What `athena:startQueryExecution.sync` returns (GetQueryExecution's answer) for a query that succeeded. */
export interface LocalQueryExecution {
  QueryExecution: {
    QueryExecutionId: string;
    Query: string;
    WorkGroup: string | undefined;
    Status: { State: 'SUCCEEDED' };
    ResultConfiguration: { OutputLocation: string };
    Statistics: { DataScannedInBytes: number };
  };
}

/**
 * A stand-in for `athena:startQueryExecution.sync` over a local Hive catalog: the query runs in Trino (Athena
 * engine 3's engine), with the database as its schema and the execution parameters bound by Trino. A query's
 * result is written where Athena writes it (`s3://<results>/athena/<id>.csv`) in Athena's CSV format; a statement
 * (DDL, INSERT INTO) leaves an empty `<id>.txt`. DataScannedInBytes is Trino's physical input: the bytes read from
 * storage, compressed as stored, which is what Athena bills. A query Trino rejects fails with Trino's error
 * name and message, as Athena's StateChangeReason gives them (`FUNCTION_NOT_FOUND: line 1:8: …`).
 */
export function createLocalAthena(params: {
  catalog: LocalHiveCatalog;
  s3: S3Client;
  resultsBucket: string;
  resultsPrefix?: string;
}) {
  const { catalog, s3, resultsBucket, resultsPrefix = 'athena/' } = params;
  return {
    /** Runs a query to completion and returns what GetQueryExecution would; a failed query throws. */
    async startQueryExecutionSync(input: {
      QueryString: string;
      WorkGroup?: string;
      QueryExecutionContext?: { Database?: string };
      ExecutionParameters?: string[];
    }): Promise<LocalQueryExecution> {
      const database = input.QueryExecutionContext?.Database ?? 'default';
      const id = randomUUID();
      const statement = parameterizedStatement(input.QueryString, input.ExecutionParameters);
      const result = await catalog.client
        .query(statement, { catalog: catalog.name, schema: database })
        .catch((error: unknown) => {
          const reason =
            error instanceof TrinoQueryError
              ? `${error.errorName}: ${error.message}`
              : (error as Error).message;
          // Athena's StateChangeReason gives the engine's message only; the causes stay on the error for a person.
          throw new ServiceError('States.TaskFailed', `query ${id} failed: ${reason}`, { cause: error });
        });
      const isQuery = result.updateType === undefined;
      const key = `${resultsPrefix}${id}.${isQuery ? 'csv' : 'txt'}`;
      const body = isQuery
        ? toCsv([
            result.columns.map((column) => column.name),
            ...result.rows.map((row) =>
              row.map((value, index) =>
                athenaText(value, result.columns[index] ?? { name: '', type: 'varchar' }),
              ),
            ),
          ])
        : '';
      await s3.send(
        new PutObjectCommand({
          Bucket: resultsBucket,
          Key: key,
          Body: Buffer.from(body),
          ContentType: isQuery ? 'text/csv' : 'text/plain',
        }),
      );
      return {
        QueryExecution: {
          QueryExecutionId: id,
          Query: input.QueryString,
          WorkGroup: input.WorkGroup,
          Status: { State: 'SUCCEEDED' },
          ResultConfiguration: { OutputLocation: `s3://${resultsBucket}/${key}` },
          Statistics: { DataScannedInBytes: result.stats.physicalInputBytes },
        },
      };
    },
  };
}
