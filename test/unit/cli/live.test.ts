import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type CliClients, runCli } from '../../../cli/tickstream';
import { DEFAULT_THRESHOLDS, emptyAlerts, evaluateAlerts } from '../../../lib/live/alerts';
import { emptySnapshot, foldTicks } from '../../../lib/live/snapshot';
import { devResources, serveDevStack } from '../../fixtures/stage';
import { sampleTick } from '../../fixtures/ticks';

const cloudFormationMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
const NOW = new Date('2026-11-20T15:30:00Z');

const snapshot = foldTicks(
  emptySnapshot(),
  [
    sampleTick({ symbol: 'AAPL', price: 200, bid: 200, ask: 200, timestamp: '2026-11-20T15:00:00.000Z' }),
    sampleTick({ symbol: 'AAPL', price: 210, bid: 210, ask: 210, timestamp: '2026-11-20T15:29:48.000Z' }),
    sampleTick({ symbol: 'MSFT', price: 400, bid: 400, ask: 400, timestamp: '2026-11-20T15:21:00.000Z' }),
  ],
  '2026-11-20T15:29:55.000Z',
).snapshot;
// MSFT silent for 8 minutes on the feed's clock: one open alert.
const alerts = evaluateAlerts({
  state: emptyAlerts(),
  snapshot,
  nowMs: NOW.getTime(),
  thresholds: DEFAULT_THRESHOLDS,
  isOpen: () => true,
}).state;
const stored = (value: unknown) => ({
  Body: { transformToString: async () => JSON.stringify(value) },
  ETag: '"e"',
});

async function cli(argv: string[], options: { interruptAfter?: number } = {}) {
  const printed = { out: '', err: '' };
  let refreshes = 0;
  let stop: () => void = () => undefined;
  const code = await runCli(argv, {
    clients: () =>
      ({
        cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
        s3: new S3Client({
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        }),
      }) as unknown as CliClients,
    out: (text) => {
      printed.out += text;
    },
    err: (text) => {
      printed.err += text;
    },
    now: () => NOW,
    // Each pause follows one refresh and ends at once, but for the one Ctrl-C arrives in.
    wait: async () => {
      refreshes++;
      if (refreshes !== options.interruptAfter) return;
      // Ctrl-C during this pause, which would otherwise last for ever: the command must not wait it out.
      stop();
      await new Promise(() => undefined);
    },
    onInterrupt: (handler) => {
      stop = handler;
      return () => undefined;
    },
  });
  return { code, refreshes, ...printed };
}

describe('tickstream live', () => {
  beforeEach(() => {
    cloudFormationMock.reset();
    s3Mock.reset();
    serveDevStack(cloudFormationMock);
    s3Mock.on(GetObjectCommand, { Key: 'live/snapshot.json' }).resolves(stored(snapshot) as never);
    s3Mock.on(GetObjectCommand, { Key: 'live/alerts.json' }).resolves(stored(alerts) as never);
  });

  it('--once --json prints each symbol’s last price, change today, tick time and age, and the open alerts', async () => {
    const result = await cli(['live', '--stage', 'dev', '--once', '--json']);
    expect(result.code).toBe(0);
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: devResources.resultsBucket,
      Key: 'live/snapshot.json',
    });
    const printed = JSON.parse(result.out);
    expect(printed.symbols).toEqual([
      { symbol: 'AAPL', last: 210, changePercent: 5, tickTime: '2026-11-20T15:29:48.000Z', ageSeconds: 12 },
      { symbol: 'MSFT', last: 400, changePercent: 0, tickTime: '2026-11-20T15:21:00.000Z', ageSeconds: 540 },
    ]);
    expect(printed.openAlerts.map((episode: { id: string }) => episode.id)).toEqual(['symbol-silent:MSFT']);
  });

  it('--once prints the table a person reads, with the open alert under it', async () => {
    const { code, out } = await cli(['live', '--once']);
    expect(code).toBe(0);
    expect(out).toContain('AAPL    210.00  +5.00%   15:29:48  12s');
    expect(out).toContain('MSFT    400.00  +0.00%   15:21:00   9m');
    expect(out).toMatch(
      /alerts: 1 open\n {2}symbol-silent:MSFT since 15:21:00: MSFT has had no tick since 15:21:00 UTC/,
    );
  });

  it('refreshes until Ctrl-C, then exits 0 at once', async () => {
    const { code, refreshes, out } = await cli(['live'], { interruptAfter: 3 });
    expect(code).toBe(0);
    expect(refreshes).toBe(3);
    expect(out.match(/tickstream dev live:/g)).toHaveLength(3);
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 6);
  });

  it('shows an empty market, not an error, before anything has landed', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));
    const { code, out } = await cli(['live', '--once']);
    expect(code).toBe(0);
    expect(out).toContain('0 symbols, nothing landed yet');
  });

  it('--url prints a presigned link to the page carrying presigned links to the snapshot and alerts', async () => {
    const { code, out, err } = await cli(['live', '--url', '--expires', '600']);
    expect(code).toBe(0);
    const [page = '', fragment = ''] = out.trim().split('#');
    expect(page).toContain(`${devResources.resultsBucket}.s3.us-east-1.amazonaws.com/live/index.html?`);
    expect(page).toContain('X-Amz-Expires=600');
    const links = new URLSearchParams(fragment);
    expect(links.get('snapshot')).toMatch(/\/live\/snapshot\.json\?.*X-Amz-Signature=/);
    expect(links.get('alerts')).toMatch(/\/live\/alerts\.json\?.*X-Amz-Signature=/);
    expect(err).toContain('works for 600 s');
  });

  it('refuses a bad interval, a week-plus link and --json without --once, before calling AWS', async () => {
    expect((await cli(['live', '--interval', '0'])).err).toContain(
      '--interval must be a number of seconds from 1 to 3600',
    );
    expect((await cli(['live', '--url', '--expires', '604801'])).code).toBe(2);
    expect((await cli(['live', '--json'])).err).toContain('--json goes with --once');
    expect(cloudFormationMock.calls()).toHaveLength(0);
  });
});
