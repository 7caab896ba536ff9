import { createServer } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { freePorts } from '../../local/support/processes';

describe('freePorts', () => {
  it('gives as many different ports as asked, each free to listen on', async () => {
    const ports = await freePorts(8);
    expect(new Set(ports).size).toBe(8);
    const servers = ports.map(() => createServer());
    await Promise.all(
      servers.map(
        (server, index) =>
          new Promise<void>((listening, failed) => {
            server.once('error', failed);
            server.listen(ports[index], '127.0.0.1', listening);
          }),
      ),
    );
    await Promise.all(servers.map((server) => new Promise((closed) => server.close(closed))));
  });
});
