import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type RunningBroker, startBroker } from '../../local/services/kafka/broker';
import { ensureTopic } from '../../local/services/kafka/readiness';
import { endOffsets } from '../../local/services/kafka/topic';
import { LOCAL_STAGE_BUCKETS, type LocalS3, startLocalS3 } from '../../local/services/s3/s3';
import { freePort } from '../../local/support/processes';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const [DATA_BUCKET = '', RESULTS_BUCKET = ''] = LOCAL_STAGE_BUCKETS;

let broker: RunningBroker;
let s3: LocalS3;
let storage: string;

beforeAll(async () => {
  // What docs/local-stack.md has a user start: a plaintext broker (npm run kafka:start) and the local S3
  // (npm run local:s3), each on a port of its own here.
  storage = mkdtempSync(join(tmpdir(), 'tickstream-invoke-'));
  [broker, s3] = await Promise.all([
    startBroker({ removeOnStop: true }),
    freePort().then((port) =>
      startLocalS3({ storageDir: join(storage, 's3'), buckets: LOCAL_STAGE_BUCKETS, port }),
    ),
  ]);
  await ensureTopic({ brokers: broker.brokers, topic: 'stock-ticks', partitions: 3 });
});

afterAll(async () => {
  await s3?.stop();
  await broker?.stop();
  rmSync(storage, { recursive: true, force: true });
});

/**
 * `npx sls invoke local -f <fn> --stage local --path local/events/<file>` as a user runs it, offline (no AWS
 * credentials, no network), pointed at this file's broker and S3. Returns the handler's result (the JSON block osls
 * prints) and every log line.
 */
async function invokeLocal(fn: string, eventFile: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith('AWS_') || name.startsWith('KAFKA_') || name.startsWith('TICKSTREAM_'))
      delete env[name];
  const { stdout } = await run(
    join(ROOT, 'node_modules', '.bin', 'sls'),
    [
      'invoke',
      'local',
      '-f',
      fn,
      '--stage',
      'local',
      `--param=localKafkaBrokers=${broker.brokers.join(',')}`,
      `--param=localS3Endpoint=${s3.endpoint}`,
      '--path',
      join('local', 'events', eventFile),
    ],
    { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 },
  );
  const lines = stdout.split('\n');
  const start = lines.lastIndexOf('{');
  const end = lines.indexOf('}', start);
  const logs = [...lines.slice(0, start), ...lines.slice(end + 1)]
    .filter((line) => line.startsWith('{"level"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { result: JSON.parse(lines.slice(start, end + 1).join('\n')) as Record<string, unknown>, logs };
}

const keysUnder = async (bucket: string, prefix: string) =>
  ((await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map(
    (object) => object.Key,
  );

const published = async () =>
  [...(await endOffsets({ brokers: broker.brokers, topic: 'stock-ticks' })).values()].reduce(
    (sum, offset) => sum + Number(offset),
    0,
  );

describe('sls invoke local --stage local, offline, for every function', () => {
  it('produceTicks publishes the event’s minute to the local broker, and logs it as a cold start', async () => {
    const before = await published();
    const { result, logs } = await invokeLocal('produceTicks', 'produce-ticks.json');
    expect(result).toMatchObject({ published: 120, symbols: ['AAPL', 'MSFT'], topic: 'stock-ticks' });
    expect((await published()) - before).toBe(120);
    expect(logs.find((log) => log.message === 'published ticks')).toMatchObject({
      cold_start: true,
      function_name: 'tickstream-local-produceTicks',
    });
  });

  it('backfillHistory publishes the range', async () => {
    const before = await published();
    const { result } = await invokeLocal('backfillHistory', 'backfill-history.json');
    expect(result).toMatchObject({ published: 24, source: 'simulated' });
    expect((await published()) - before).toBe(24);
  });

  it('landTicks lands the event’s tick and quarantines its bad record in the local data bucket', async () => {
    const { result } = await invokeLocal('landTicks', 'land-ticks.json');
    expect(result).toMatchObject({ records: 2, landed: 1, quarantined: 1 });
    expect(await keysUnder(DATA_BUCKET, '')).toEqual([
      'quarantine/stock_ticks/dt=2026-11-20/stock-ticks+0+1.json.gz',
      'raw/stock_ticks/dt=2026-11-20/stock-ticks+0+0.json.gz',
    ]);
  });

  it('planReports plans the requested day, final once it has ended', async () => {
    const { result } = await invokeLocal('planReports', 'plan-reports.json');
    expect(result).toEqual({ days: [{ day: '2026-11-20', final: true }] });
  });

  it('publishReports publishes the Athena result the event names, with its manifest and dashboard', async () => {
    await s3.client.send(
      new PutObjectCommand({
        Bucket: RESULTS_BUCKET,
        Key: 'athena/local-q1.csv',
        Body: '"symbol","vwap","total_volume","ticks"\n"AAPL","250.42","1200","1"\n',
      }),
    );
    const { result } = await invokeLocal('publishReports', 'publish-reports.json');
    expect(result).toMatchObject({
      day: '2026-11-20',
      final: true,
      reports: [{ name: 'vwap_daily', rows: 1 }],
    });
    expect(await keysUnder(RESULTS_BUCKET, 'reports/')).toEqual(
      expect.arrayContaining([
        'reports/_final/dt=2026-11-20.json',
        'reports/vwap_daily/dt=2026-11-20/local-invoke.csv',
      ]),
    );
    const event = JSON.parse(readFileSync(join(ROOT, 'local', 'events', 'publish-reports.json'), 'utf8'));
    expect(event.reports[0].query.outputLocation).toBe(`s3://${RESULTS_BUCKET}/athena/local-q1.csv`);
  });
});
