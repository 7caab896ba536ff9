import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { KafkaEventRecord } from '../../../../lib/contract/kafka-event';
import type { Tick } from '../../../../lib/contract/tick';
import { decodeRecord } from '../../../../lib/land/decode';
import { planLanding } from '../../../../lib/land/plan';
import { LandingWriteError, landBatch } from '../../../../lib/land/write';
import { tickAt } from '../../../../lib/market/simulated/simulator';
import { SYMBOL_PROFILES, type SymbolProfile } from '../../../../lib/market/simulated/symbols';
import { kafkaEvent, kafkaRecord } from '../../../fixtures/kafka-events';
import { sampleTick } from '../../../fixtures/ticks';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
const BUCKET = 'tickstream-test-data';

const tick = (symbol: string, iso: string): Tick =>
  tickAt({
    seed: 't',
    profile: SYMBOL_PROFILES.get(symbol) as SymbolProfile,
    timeMs: Date.parse(iso),
    ticksPerSecond: 1,
  });

function putBodies(): Map<string, string[]> {
  const bodies = new Map<string, string[]>();
  for (const call of s3Mock.commandCalls(PutObjectCommand)) {
    const input = call.args[0].input;
    const lines = gunzipSync(input.Body as Buffer)
      .toString('utf8')
      .split('\n');
    expect(lines.at(-1)).toBe('');
    bodies.set(input.Key as string, lines.slice(0, -1));
  }
  return bodies;
}

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
});

describe('landBatch', () => {
  it('writes one object per (partition, dt), named by its smallest offset, holding exactly its ticks', async () => {
    const a = tick('AAPL', '2026-11-20T14:59:58Z');
    const b = tick('AAPL', '2026-11-20T14:59:59Z');
    const c = tick('AAPL', '2026-11-20T15:00:00Z');
    const d = tick('KO', '2026-11-20T14:59:59Z');
    const e = tick('KO', '2026-11-21T00:00:01Z');
    const event = kafkaEvent([
      { partition: 0, offset: 40, value: a },
      { partition: 0, offset: 41, value: b },
      { partition: 0, offset: 42, value: c },
      { partition: 2, offset: 7, value: d },
      { partition: 2, offset: 8, value: e },
    ]);
    const summary = await landBatch({
      batch: event,
      s3,
      bucket: BUCKET,
      now: () => Date.parse('2026-11-20T15:00:05Z'),
    });

    const bodies = putBodies();
    expect([...bodies.keys()].sort()).toEqual([
      'raw/stock_ticks/dt=2026-11-20/stock-ticks+0+40.json.gz',
      'raw/stock_ticks/dt=2026-11-20/stock-ticks+2+7.json.gz',
      'raw/stock_ticks/dt=2026-11-21/stock-ticks+2+8.json.gz',
    ]);
    const parsed = (key: string) => (bodies.get(key) ?? []).map((line) => JSON.parse(line));
    // Each line is the tick followed by its Kafka lineage.
    const lineage = (partition: number, offset: number) => ({
      kafka_topic: 'stock-ticks',
      kafka_partition: partition,
      kafka_offset: offset,
    });
    // One day across an hour boundary is one object.
    expect(parsed('raw/stock_ticks/dt=2026-11-20/stock-ticks+0+40.json.gz')).toEqual([
      { ...a, ...lineage(0, 40) },
      { ...b, ...lineage(0, 41) },
      { ...c, ...lineage(0, 42) },
    ]);
    expect(parsed('raw/stock_ticks/dt=2026-11-20/stock-ticks+2+7.json.gz')).toEqual([
      { ...d, ...lineage(2, 7) },
    ]);
    expect(parsed('raw/stock_ticks/dt=2026-11-21/stock-ticks+2+8.json.gz')).toEqual([
      { ...e, ...lineage(2, 8) },
    ]);
    expect(summary).toMatchObject({
      records: 5,
      landed: 5,
      quarantined: 0,
      objects: 3,
      quarantineObjects: 0,
      putRequests: 3,
      // The oldest record (a, written when it happened at 14:59:58) is 7 s old at 15:00:05.
      batchAgeMs: 7000,
    });
    expect(summary.bytes).toBe(
      s3Mock
        .commandCalls(PutObjectCommand)
        .reduce((sum, call) => sum + (call.args[0].input.Body as Buffer).length, 0),
    );
  });

  it('sets content type, gzip encoding and offset metadata on every object', async () => {
    await landBatch({
      batch: kafkaEvent([
        { partition: 1, offset: 5, value: tick('MSFT', '2026-11-20T15:00:00Z') },
        { partition: 1, offset: 6, value: tick('MSFT', '2026-11-20T15:00:01Z') },
      ]),
      s3,
      bucket: BUCKET,
    });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: 'raw/stock_ticks/dt=2026-11-20/stock-ticks+1+5.json.gz',
      ContentType: 'application/x-ndjson',
      ContentEncoding: 'gzip',
      Metadata: {
        'kafka-topic': 'stock-ticks',
        'kafka-partition': '1',
        'first-offset': '5',
        'last-offset': '6',
        records: '2',
      },
    });
  });

  it('quarantines every kind of bad record with its reason, lands the good ones, and succeeds', async () => {
    const good = tick('AAPL', '2026-11-20T15:00:00Z');
    const bad: [string, string | Buffer | null, RegExp][] = [
      ['bad JSON', '{"symbol":"AAPL",', /^malformed JSON: /],
      ['schema violation', JSON.stringify({ ...good, price: -3 }), /^schema: price: /],
      ['wrong types', JSON.stringify({ ...good, volume: '12' }), /^schema: volume: .*expected number/],
      ['absurd value', JSON.stringify({ ...good, price: 5e12, ask: 5e12 + 1 }), /^schema: .*price/],
      ['unknown field', JSON.stringify({ ...good, note: 'x' }), /^schema: .*note/],
      ['oversized', `{"pad":"${'x'.repeat(5000)}"}`, /^oversized: more than 4096 bytes/],
      ['empty value', null, /^empty value$/],
      ['not UTF-8', Buffer.from([0xff, 0xfe, 0x7b]), /^value is not UTF-8 text$/],
      ['not an object', '42', /^schema: .*expected object/],
    ];
    const recordTime = Date.parse('2026-11-19T23:59:00Z');
    const event = kafkaEvent([
      ...bad.map(([, value], i) => ({ partition: 0, offset: 100 + i, value, timestamp: recordTime })),
      { partition: 0, offset: 200, value: good },
    ]);
    const summary = await landBatch({ batch: event, s3, bucket: BUCKET });

    expect(summary).toMatchObject({
      records: 10,
      landed: 1,
      quarantined: 9,
      objects: 1,
      quarantineObjects: 1,
    });
    const bodies = putBodies();
    const quarantine = (
      bodies.get('quarantine/stock_ticks/dt=2026-11-19/stock-ticks+0+100.json.gz') ?? []
    ).map((line) => JSON.parse(line));
    expect(quarantine).toHaveLength(bad.length);
    bad.forEach(([name, value, reason], i) => {
      const entry = quarantine[i];
      expect({ name, ...entry }).toMatchObject({
        name,
        topic: 'stock-ticks',
        partition: 0,
        offset: 100 + i,
        timestamp: recordTime,
        key: 'BAD',
      });
      expect({ name, reason: entry.reason }).toEqual({ name, reason: expect.stringMatching(reason) });
      if (typeof value === 'string' && name !== 'oversized')
        expect({ name, value: entry.value }).toEqual({ name, value });
    });
    expect(quarantine[7]).toMatchObject({
      valueEncoding: 'base64',
      value: Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'),
    });
    expect(
      bodies.get('raw/stock_ticks/dt=2026-11-20/stock-ticks+0+200.json.gz')?.map((l) => JSON.parse(l)),
    ).toEqual([{ ...good, kafka_topic: 'stock-ticks', kafka_partition: 0, kafka_offset: 200 }]);
  });

  it('throws naming the bucket and keys when S3 rejects a write, after trying every object', async () => {
    s3Mock
      .on(PutObjectCommand, { Key: 'raw/stock_ticks/dt=2026-11-20/stock-ticks+0+1.json.gz' })
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const event = kafkaEvent([
      { partition: 0, offset: 1, value: tick('AAPL', '2026-11-20T15:00:00Z') },
      { partition: 1, offset: 1, value: tick('KO', '2026-11-20T15:00:00Z') },
    ]);
    const failure = landBatch({ batch: event, s3, bucket: BUCKET });
    await expect(failure).rejects.toThrow(LandingWriteError);
    await expect(failure).rejects.toThrow(
      'failed to write 1 of 2 objects to s3://tickstream-test-data (raw/stock_ticks/dt=2026-11-20/stock-ticks+0+1.json.gz): AccessDenied: Access Denied',
    );
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 2);
  });

  it('writes nothing for an empty batch', async () => {
    const summary = await landBatch({
      batch: { eventSource: 'SelfManagedKafka', records: {} },
      s3,
      bucket: BUCKET,
    });
    expect(summary).toEqual({
      records: 0,
      landed: 0,
      quarantined: 0,
      objects: 0,
      quarantineObjects: 0,
      bytes: 0,
      putRequests: 0,
      batchAgeMs: null,
      keys: [],
      ticks: [],
    });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 0);
  });

  it('honours a custom layout', async () => {
    await landBatch({
      batch: kafkaEvent([{ offset: 3, value: tick('V', '2026-11-20T09:00:00Z') }]),
      s3,
      bucket: BUCKET,
      layout: { rawPrefix: 'landing/ticks', quarantinePrefix: 'bad' },
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: 'landing/ticks/dt=2026-11-20/stock-ticks+0+3.json.gz',
    });
  });
});

describe('landed lines', () => {
  /** The one line landing writes for a record. */
  const landedLine = (record: KafkaEventRecord) =>
    planLanding({
      batch: { eventSource: 'SelfManagedKafka', bootstrapServers: 'b:9092', records: { p: [record] } },
    })
      .objects.map((object) => object.body.toBuffer().toString('utf8'))
      .join('');

  it('keeps the producer text as the line, and re-serialises a multi-line value onto one line', () => {
    const value = sampleTick();
    const lineage = ',"kafka_topic":"stock-ticks","kafka_partition":0,"kafka_offset":1}';
    const expected = `${JSON.stringify(value).slice(0, -1)}${lineage}\n`;
    expect(landedLine(kafkaRecord({ offset: 1, value: `${JSON.stringify(value)}  ` }))).toBe(expected);
    expect(landedLine(kafkaRecord({ offset: 1, value: JSON.stringify(value, null, 2) }))).toBe(expected);
  });
});

describe('planLanding', () => {
  it('names a group by its smallest offset even when records arrive out of order across days', () => {
    const plan = planLanding({
      batch: kafkaEvent([
        { offset: 10, value: tick('AAPL', '2026-11-21T00:00:00Z') },
        { offset: 11, value: tick('AAPL', '2026-11-20T23:59:59Z') },
        { offset: 12, value: tick('KO', '2026-11-21T00:00:01Z') },
      ]),
    });
    expect(
      plan.objects.map((object) => [object.key, object.firstOffset, object.lastOffset, object.body.lines]),
    ).toEqual([
      ['raw/stock_ticks/dt=2026-11-21/stock-ticks+0+10.json.gz', 10, 12, 2],
      ['raw/stock_ticks/dt=2026-11-20/stock-ticks+0+11.json.gz', 11, 11, 1],
    ]);
  });
});

describe('schema versions (the record header `schema`)', () => {
  const realSourceTick = sampleTick({ volume: null, market_cap: null, bid: null, ask: null });

  it('lands a tick.v2 with the fields a real source lacks as nulls, beside tick.v1 ticks', async () => {
    const event = kafkaEvent([
      { offset: 1, value: sampleTick(), schema: 'tick.v1' },
      { offset: 2, value: { ...realSourceTick, seq: 1 }, schema: 'tick.v2' },
      // Every tick.v1 is a valid tick.v2.
      { offset: 3, value: sampleTick({ seq: 2 }), schema: 'tick.v2' },
    ]);
    const summary = await landBatch({ batch: event, s3, bucket: BUCKET });
    expect(summary).toMatchObject({ landed: 3, quarantined: 0 });
    const [lines = []] = [...putBodies().values()];
    expect(JSON.parse(lines[1] ?? '')).toEqual({
      ...realSourceTick,
      seq: 1,
      kafka_topic: 'stock-ticks',
      kafka_partition: 0,
      kafka_offset: 2,
    });
  });

  it('holds a record without the header to tick.v1 (records from before the header)', () => {
    const outcome = decodeRecord(kafkaRecord({ offset: 5, value: realSourceTick, schema: null }));
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.entry.reason).toMatch(
      /^schema: volume: Invalid input: expected number, received null/,
    );
  });

  it('quarantines tick.v1 records with nulls, and tick.v2 records that break its own rules, with the reason', () => {
    const asV1 = decodeRecord(kafkaRecord({ offset: 6, value: realSourceTick, schema: 'tick.v1' }));
    expect(asV1.ok ? '' : asV1.entry.reason).toMatch(/^schema: volume: /);
    const halfQuote = decodeRecord(
      kafkaRecord({ offset: 7, value: sampleTick({ bid: 250.41, ask: null }), schema: 'tick.v2' }),
    );
    expect(halfQuote.ok ? '' : halfQuote.entry.reason).toBe(
      'schema: bid: bid and ask are both null or both set',
    );
    const crossed = decodeRecord(
      kafkaRecord({ offset: 8, value: sampleTick({ bid: 251, ask: 252, volume: null }), schema: 'tick.v2' }),
    );
    expect(crossed.ok ? '' : crossed.entry.reason).toBe('schema: price: bid <= price <= ask must hold');
  });

  it('quarantines a schema version this consumer does not know, even when the value looks like a tick', () => {
    const outcome = decodeRecord(kafkaRecord({ offset: 9, value: sampleTick(), schema: 'tick.v3' }));
    expect(outcome).toEqual({
      ok: false,
      entry: expect.objectContaining({
        offset: 9,
        reason: 'unknown schema version "tick.v3" (this consumer reads tick.v1 and tick.v2)',
        value: JSON.stringify(sampleTick()),
      }),
    });
  });
});
