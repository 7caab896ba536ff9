import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseCsv } from '../../lib/reports/csv';
import { parseS3Url } from '../../lib/shared/s3';
import { createLocalAthena } from '../../local/aws/athena';
import { athenaText, trinoDoubleText } from '../../local/aws/athena-results';
import { type LocalS3, startLocalS3 } from '../../local/services/s3/s3';
import type { LocalHiveCatalog } from '../../local/services/trino/hive-catalog';
import { testHiveCatalog } from '../support/trino';

const RESULTS = 'athena-results-test';
let s3: LocalS3;
let catalog: LocalHiveCatalog;
let athena: ReturnType<typeof createLocalAthena>;

beforeAll(async () => {
  s3 = await startLocalS3({
    storageDir: mkdtempSync(join(tmpdir(), 'athena-results-')),
    buckets: [RESULTS],
    removeOnStop: true,
  });
  catalog = await testHiveCatalog(s3, 'results_test');
  athena = createLocalAthena({ catalog, s3: s3.client, resultsBucket: RESULTS });
});

afterAll(async () => {
  await catalog?.drop();
  await s3?.stop();
});

async function resultFile(sql: string, parameters?: string[]): Promise<string> {
  const { QueryExecution } = await athena.startQueryExecutionSync({
    QueryString: sql,
    QueryExecutionContext: { Database: 'results_test' },
    ...(parameters ? { ExecutionParameters: parameters } : {}),
  });
  const { key } = parseS3Url(QueryExecution.ResultConfiguration.OutputLocation);
  const object = await s3.client.send(new GetObjectCommand({ Bucket: RESULTS, Key: key }));
  return (await object.Body?.transformToString()) ?? '';
}

describe('Athena-shaped results from Trino', () => {
  // Doubles across both notations' borders, negative, tiny and huge, as the reports' numbers can be.
  const DOUBLES = [
    '8.798e-05',
    '1e-3',
    '0.00099',
    '0.001',
    '0.5',
    '1',
    '100',
    '116.5',
    '183.01',
    '-2.25',
    '9999999',
    '1e7',
    '12345678.9',
    '1e20',
    '123456789012',
    '0.1',
    '3.141592653589793',
    '-1.5e-10',
    '1e21',
    '2.5e-7',
  ];

  // A double's text in a result file is Java's Double.toString, as Trino's JDBC driver and CLI give it (plain
  // from 10^-3 to 10^7, exponent form outside: 8.798E-5, 1.0E7). Trino's format('%s', x) is that same Java
  // rendering, done by the engine's JVM: the reference. (CAST(x AS varchar) is not: it always writes 1.165E2.)
  it('renders every double as the JVM does (Trino format(%s)): plain inside 10^-3..10^7, exponent form outside', async () => {
    const values = DOUBLES.map((literal) => `(DOUBLE '${literal}')`).join(', ');
    const { rows, columns } = await catalog.client.query(
      `SELECT x, format('%s', x) FROM (VALUES ${values}) AS t(x)`,
    );
    expect(columns.map((column) => column.type)).toEqual(['double', 'varchar']);
    const rendered = rows.map(([value]) => athenaText(value, { name: 'x', type: 'double' }));
    expect(rendered).toEqual(rows.map(([, text]) => text));
    expect(rendered).toContain('8.798E-5');
    expect(rendered).toContain('100.0');
    expect(rendered).toContain('1.0E7');
    expect(trinoDoubleText(Number.NaN)).toBe('NaN');
  });

  it('writes a header and quoted values, NULL as an unquoted empty field, an empty string quoted', async () => {
    const csv = await resultFile(
      "SELECT 'a\"b' AS text, CAST(NULL AS double) AS missing, '' AS empty, 42 AS n, DOUBLE '0.00005' AS small, TIMESTAMP '2026-11-20 14:32:00.123 UTC' AS at, true AS flag",
    );
    expect(csv).toBe(
      '"text","missing","empty","n","small","at","flag"\n"a""b",,"","42","5.0E-5","2026-11-20 14:32:00.123 UTC","true"\n',
    );
    expect(parseCsv(csv)[1]).toEqual(['a"b', '', '', '42', '5.0E-5', '2026-11-20 14:32:00.123 UTC', 'true']);
  });

  it('binds execution parameters in Trino, the SQL unedited', async () => {
    const csv = await resultFile("SELECT ? AS day, ? + 1 AS next WHERE ? = 'x'", [
      "'2026-11-20'",
      '41',
      "'x'",
    ]);
    expect(csv).toBe('"day","next"\n"2026-11-20","42"\n');
  });

  it("fails a query Trino rejects with Trino's error name and message, as Athena's StateChangeReason", async () => {
    await expect(resultFile('SELECT no_such_function(1)')).rejects.toMatchObject({
      name: 'States.TaskFailed',
      message: expect.stringMatching(
        /failed: FUNCTION_NOT_FOUND: line 1:8: Function 'no_such_function' not registered/,
      ),
    });
    // A DuckDB name the old stand-in accepted through a macro: Athena has no such function.
    await expect(resultFile("SELECT regexp_matches('a', 'a')")).rejects.toMatchObject({
      message: expect.stringMatching(/FUNCTION_NOT_FOUND/),
    });
  });

  it("reports DataScannedInBytes as Trino's physical input: the compressed bytes read", async () => {
    const { gzipSync } = await import('node:zlib');
    const body = gzipSync(
      Array.from({ length: 500 }, (_, i) => JSON.stringify({ symbol: `S${i % 5}`, price: i / 7 })).join('\n'),
    );
    await s3.client.send(
      new PutObjectCommand({ Bucket: RESULTS, Key: 'scan/t/dt=2026-11-20/a.json.gz', Body: body }),
    );
    await catalog.client.query(
      "CREATE TABLE scanned (symbol varchar, price double, dt varchar) WITH (format = 'OPENX_JSON', partitioned_by = ARRAY['dt'], external_location = 's3://athena-results-test/scan/t')",
      { catalog: catalog.name, schema: 'results_test' },
    );
    await catalog.client.query("CALL system.sync_partition_metadata('results_test', 'scanned', 'ADD')", {
      catalog: catalog.name,
      schema: 'results_test',
    });
    const { QueryExecution } = await athena.startQueryExecutionSync({
      QueryString: 'SELECT count(*) FROM scanned WHERE dt = ?',
      QueryExecutionContext: { Database: 'results_test' },
      ExecutionParameters: ["'2026-11-20'"],
    });
    expect(QueryExecution.Statistics.DataScannedInBytes).toBe(body.length);
    const other = await athena.startQueryExecutionSync({
      QueryString: 'SELECT count(*) FROM scanned WHERE dt = ?',
      QueryExecutionContext: { Database: 'results_test' },
      ExecutionParameters: ["'2026-11-21'"],
    });
    expect(other.QueryExecution.Statistics.DataScannedInBytes).toBe(0);
  });
});
