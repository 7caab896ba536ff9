import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * S3 conditional writes in front of an S3 stand-in that ignores them (fauxqs answers GET's `If-Match` but not
 * PUT's): a pass-through HTTP proxy that, for a PUT naming `If-Match: <etag>` or `If-None-Match: *`, checks the
 * object with a HEAD and answers 412 PreconditionFailed as S3 does when the condition fails. Conditional PUTs of
 * one key go one at a time (the check and the write together), so of two writers that read the same version only
 * the first succeeds, as on S3. Everything else passes through untouched.
 */
export async function startConditionalWrites(params: {
  /** The stand-in's endpoint, `http://127.0.0.1:PORT`. */
  upstream: string;
  port?: number;
}): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const upstream = new URL(params.upstream);
  const queues = new Map<string, Promise<void>>();

  const forward = (
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer | undefined,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const outgoing = request(
        { host: upstream.hostname, port: upstream.port, method, path, headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const server: Server = createServer((incoming, reply) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const {
        'if-match': ifMatch,
        'if-none-match': ifNoneMatch,
        expect: _expect,
        ...headers
      } = incoming.headers;
      const method = incoming.method ?? 'GET';
      const path = incoming.url ?? '/';
      const conditional = method === 'PUT' && (ifMatch !== undefined || ifNoneMatch !== undefined);
      const send = async () => {
        if (conditional) {
          const head = await forward('HEAD', path.split('?')[0] ?? path, { host: headers.host }, undefined);
          const etag = head.status === 200 ? String(head.headers.etag ?? '') : undefined;
          const failed =
            (ifNoneMatch === '*' && etag !== undefined) ||
            (ifMatch !== undefined && (etag === undefined || etag !== ifMatch));
          if (failed) {
            reply.writeHead(412, { 'content-type': 'application/xml' });
            reply.end(
              '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
            );
            return;
          }
        }
        // The body is already here: the stand-in is not asked to send 100 Continue.
        const answer = await forward(
          method,
          path,
          headers,
          method === 'GET' || method === 'HEAD' ? undefined : body,
        );
        const { 'transfer-encoding': _te, ...answerHeaders } = answer.headers;
        reply.writeHead(answer.status, { ...answerHeaders, 'content-length': answer.body.length });
        reply.end(method === 'HEAD' ? undefined : answer.body);
      };
      const fail = (error: unknown) => {
        if (!reply.headersSent) reply.writeHead(502, { 'content-type': 'text/plain' });
        reply.end(`local S3 proxy: ${(error as Error).message}`);
      };
      if (!conditional) {
        send().catch(fail);
        return;
      }
      const key = path.split('?')[0] ?? path;
      const previous = queues.get(key) ?? Promise.resolve();
      const turn = previous.then(send).catch(fail);
      queues.set(key, turn);
      void turn.then(() => {
        if (queues.get(key) === turn) queues.delete(key);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(params.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
