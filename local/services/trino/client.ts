import { TickstreamError } from '../../../lib/shared/errors';

/** A column of a Trino result: its name and Trino type signature (`varchar`, `double`, `timestamp(3) with time zone`). */
export interface TrinoColumn {
  name: string;
  type: string;
}

/** Trino's statistics of a finished query (the fields the local stand-ins read). */
export interface TrinoStats {
  state: string;
  /** Bytes read from storage, compressed as stored: what Athena bills as DataScannedInBytes. */
  physicalInputBytes: number;
  processedBytes: number;
  processedRows: number;
  physicalWrittenBytes: number;
}

export interface TrinoResult {
  id: string;
  columns: TrinoColumn[];
  rows: unknown[][];
  stats: TrinoStats;
  /** What the statement did (`CREATE TABLE`, `INSERT`), or undefined for a query. */
  updateType: string | undefined;
}

/**
 * A statement Trino rejected or failed: its own message, error name (`SYNTAX_ERROR`, `FUNCTION_NOT_FOUND`) and
 * type, and the messages of the failure's causes (what went wrong underneath, e.g. in the file system), innermost last.
 */
export class TrinoQueryError extends TickstreamError {
  override name = 'TrinoQueryError';
  constructor(
    message: string,
    readonly errorName: string,
    readonly errorType: string,
    readonly causes: readonly string[] = [],
  ) {
    super(message);
  }
}

interface FailureInfo {
  type?: string;
  message?: string;
  cause?: FailureInfo;
}

/** The cause chain of a failure, `type: message` each, outermost first. */
function causesOf(failure: FailureInfo | undefined): string[] {
  const causes: string[] = [];
  for (let cause = failure?.cause; cause; cause = cause.cause)
    causes.push(`${cause.type ?? 'Error'}: ${cause.message ?? ''}`);
  return causes;
}

interface StatementResponse {
  id: string;
  nextUri?: string;
  columns?: TrinoColumn[];
  data?: unknown[][];
  stats: TrinoStats;
  updateType?: string;
  error?: { message: string; errorName: string; errorType: string; failureInfo?: FailureInfo };
}

/** Trino's answers while a node has not registered yet after start-up: waited out, never reported. */
const STARTING_UP = /No nodes available to run query|Trino server is still initializing/;

/**
 * A client of Trino's HTTP protocol (trino.io/docs/current/develop/client-protocol.html): POST the statement to
 * /v1/statement, then follow `nextUri` until it is gone; rows arrive in pages. Every query runs in UTC, as Athena's.
 */
export function createTrinoClient(params: { url: string; user?: string }) {
  const { url, user = 'tickstream' } = params;
  const headers = (session: { catalog?: string; schema?: string }) => ({
    'X-Trino-User': user,
    'X-Trino-Time-Zone': 'UTC',
    'X-Trino-Source': 'tickstream-local',
    ...(session.catalog ? { 'X-Trino-Catalog': session.catalog } : {}),
    ...(session.schema ? { 'X-Trino-Schema': session.schema } : {}),
  });

  const follow = async (response: Response): Promise<StatementResponse> => {
    if (!response.ok && response.status !== 503)
      throw new TrinoQueryError(
        `Trino answered HTTP ${response.status}: ${await response.text()}`,
        'HTTP_ERROR',
        'EXTERNAL',
      );
    return (await response.json()) as StatementResponse;
  };

  return {
    url,
    /** Runs one statement to its end and returns every row; a failed statement throws Trino's message. */
    async query(sql: string, session: { catalog?: string; schema?: string } = {}): Promise<TrinoResult> {
      let page = await follow(
        await fetch(`${url}/v1/statement`, { method: 'POST', body: sql, headers: headers(session) }),
      );
      const rows: unknown[][] = [];
      let columns: TrinoColumn[] = [];
      for (;;) {
        if (page.columns) columns = page.columns;
        if (page.data) rows.push(...page.data);
        if (!page.nextUri) break;
        const next = page.nextUri;
        page = await follow(await fetch(next, { headers: headers(session) }));
      }
      if (page.error)
        throw new TrinoQueryError(
          page.error.message,
          page.error.errorName,
          page.error.errorType,
          causesOf(page.error.failureInfo),
        );
      return { id: page.id, columns, rows, stats: page.stats, updateType: page.updateType };
    },
    /** Waits until the server runs queries (its node registered), up to `timeoutMs`. */
    async waitUntilReady(timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const outcome = await this.query('SELECT 1').then(
          () => undefined,
          (error: Error) => error,
        );
        if (!outcome) return;
        const transient =
          STARTING_UP.test(outcome.message) ||
          /fetch failed|ECONNREFUSED/.test(outcome.message + String((outcome as { cause?: unknown }).cause));
        if (!transient || Date.now() > deadline) throw outcome;
        await new Promise((resolveWait) => setTimeout(resolveWait, 250));
      }
    },
  };
}

export type TrinoClient = ReturnType<typeof createTrinoClient>;
