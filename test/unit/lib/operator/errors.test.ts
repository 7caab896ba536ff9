import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AwsCallError, callAws } from '../../../../lib/operator/errors';
import { awsError } from '../../../fixtures/stage';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:tickstream-dev-reports';

/** A server that answers every request as a load balancer in trouble does: HTTP 502 with an HTML page. */
let server: Server;
let endpoint: string;
beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(502, { 'content-type': 'text/html' });
    response.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((closed) => server.close(closed));
});

describe('AwsCallError', () => {
  it('says in one line that the answer was not an AWS answer, with its HTTP status (the real SDK, a real 502 page)', async () => {
    const sfn = new SFNClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const failure = await callAws({
      call: 'states:StartExecution',
      resource: STATE_MACHINE,
      send: () => sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE })),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AwsCallError);
    const { message } = failure as AwsCallError;
    expect(message.split('\n')).toEqual([
      `states:StartExecution on ${STATE_MACHINE} failed: the service answered HTTP 502 with something that is not an AWS answer (Unexpected token '<', "<html><bod"... is not valid JSON)`,
    ]);
  });

  it("names an AWS error by its code and keeps the service's message", () => {
    const error = new AwsCallError(
      'glue:GetTable',
      'table d.t',
      awsError('AccessDeniedException', 'not allowed'),
    );
    expect(error.message).toBe('glue:GetTable on table d.t failed: AccessDeniedException: not allowed');
    expect(error.cause).toMatchObject({ name: 'AccessDeniedException' });
  });
});
