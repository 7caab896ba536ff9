import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createTrinoClient, TrinoQueryError } from '../../../local/services/trino/client';

/**
 * A stand-in for Trino's HTTP protocol on 127.0.0.1: `answers` are the pages the statement returns in turn (each
 * page but the last gets a nextUri); the requests it saw are kept.
 */
function fakeTrino(answers: (base: string) => Record<string, unknown>[][]) {
  const requests: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];
  let statement = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const match = /^\/page\/(\d+)\/(\d+)$/.exec(request.url ?? '');
      const [run, page] = match ? [Number(match[1]), Number(match[2])] : [statement++, 0];
      const pages = answers(base)[run] ?? [];
      const answer = { id: `q${run}`, stats: { state: 'RUNNING', physicalInputBytes: 0 }, ...pages[page] };
      if (page < pages.length - 1) Object.assign(answer, { nextUri: `${base}/page/${run}/${page + 1}` });
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(answer));
    });
  });
  return new Promise<{ url: string; requests: typeof requests; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("the Trino client (Trino's HTTP protocol)", () => {
  it('posts the statement with the session headers, follows nextUri and gathers the rows of every page', async () => {
    const trino = await fakeTrino(() => [
      [
        {},
        { columns: [{ name: 'symbol', type: 'varchar' }], data: [['AAPL']] },
        { data: [['KO']], stats: { state: 'FINISHED', physicalInputBytes: 1234 } },
      ],
    ]);
    close = trino.close;
    const result = await createTrinoClient({ url: trino.url }).query('SELECT symbol FROM t', {
      catalog: 'hive_x',
      schema: 'db',
    });
    expect(result).toMatchObject({
      id: 'q0',
      columns: [{ name: 'symbol', type: 'varchar' }],
      rows: [['AAPL'], ['KO']],
      stats: { state: 'FINISHED', physicalInputBytes: 1234 },
      updateType: undefined,
    });
    expect(trino.requests[0]).toMatchObject({
      method: 'POST',
      url: '/v1/statement',
      body: 'SELECT symbol FROM t',
      headers: {
        'x-trino-user': 'tickstream',
        'x-trino-catalog': 'hive_x',
        'x-trino-schema': 'db',
        'x-trino-time-zone': 'UTC',
      },
    });
    expect(trino.requests.map((request) => request.url)).toEqual(['/v1/statement', '/page/0/1', '/page/0/2']);
  });

  it("fails with Trino's message, error name and type, and the failure's causes", async () => {
    const trino = await fakeTrino(() => [
      [
        {
          stats: { state: 'FAILED' },
          error: {
            message: 'Error committing write parquet to Hive',
            errorName: 'HIVE_WRITER_CLOSE_ERROR',
            errorType: 'EXTERNAL',
            failureInfo: {
              type: 'io.trino.spi.TrinoException',
              message: 'Error committing write parquet to Hive',
              cause: {
                type: 'java.io.IOException',
                message: 'Put failed',
                cause: { type: 'java.net.SocketException', message: 'Broken pipe' },
              },
            },
          },
        },
      ],
    ]);
    close = trino.close;
    const error = await createTrinoClient({ url: trino.url })
      .query('INSERT INTO t SELECT 1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrinoQueryError);
    expect(error).toMatchObject({
      name: 'TrinoQueryError',
      message: 'Error committing write parquet to Hive',
      errorName: 'HIVE_WRITER_CLOSE_ERROR',
      errorType: 'EXTERNAL',
      causes: ['java.io.IOException: Put failed', 'java.net.SocketException: Broken pipe'],
    });
  });

  it('waits out a server whose node has not registered yet, then reports it ready', async () => {
    const starting = {
      stats: { state: 'FAILED' },
      error: {
        message: 'No nodes available to run query',
        errorName: 'NO_NODES_AVAILABLE',
        errorType: 'INTERNAL_ERROR',
      },
    };
    const trino = await fakeTrino(() => [
      [starting],
      [starting],
      [{ data: [[1]], stats: { state: 'FINISHED' } }],
    ]);
    close = trino.close;
    await createTrinoClient({ url: trino.url }).waitUntilReady(10_000);
    expect(trino.requests.filter((request) => request.method === 'POST')).toHaveLength(3);
  });

  it('does not wait out a real failure: the first one that is not start-up is thrown', async () => {
    const trino = await fakeTrino(() => [
      [
        {
          stats: { state: 'FAILED' },
          error: { message: 'Access Denied', errorName: 'PERMISSION_DENIED', errorType: 'USER_ERROR' },
        },
      ],
    ]);
    close = trino.close;
    await expect(createTrinoClient({ url: trino.url }).waitUntilReady(10_000)).rejects.toMatchObject({
      errorName: 'PERMISSION_DENIED',
    });
    expect(trino.requests).toHaveLength(1);
  });
});
