import { BatchDeletePartitionCommand, GetPartitionsCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { columnarPartInsert, compactionInsert, partName } from '../../../../lib/reports/columnar';
import {
  archiveMove,
  DELETION_GRACE_MS,
  deleteDue,
  dropOlderParts,
  MoveRequestSchema,
  type MoveStorage,
  type PartsCatalog,
  planCompaction,
  planMove,
} from '../../../../lib/reports/move';
import { loadMoverConfig } from '../../../../lib/reports/move-config';

const s3Mock = mockClient(S3Client);
const glueMock = mockClient(GlueClient);
const s3 = new S3Client({ region: 'us-east-1' }) as unknown as MoveStorage;
const glue = new GlueClient({ region: 'us-east-1' }) as unknown as PartsCatalog;
const layout = {
  rawPrefix: 'raw/stock_ticks',
  archivePrefix: 'archive/stock_ticks',
  movesPrefix: 'archive/_moves/stock_ticks',
};
const body = (text: string) => ({ transformToString: async () => text });
const noSuchKey = () => Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });

beforeEach(() => {
  s3Mock.reset();
  glueMock.reset();
});

describe('a part name', () => {
  it('is the planned instant to the millisecond, sorting in time and below the view rank of landed copies', () => {
    const early = partName(new Date('2026-11-20T09:05:00.007Z'));
    const late = partName(new Date('2026-11-20T10:05:00.000Z'));
    expect(early).toBe('20261120T090500007Z');
    expect(early < late).toBe(true);
    expect(late < 'landed').toBe(true);
  });

  it('refuses a day or part that is not one, so neither can change the statement', () => {
    expect(() => columnarPartInsert("2026-11-20' OR '1'='1", '20261120T090500007Z')).toThrow(/day must be/);
    expect(() => compactionInsert('2026-11-20', "x' AS part")).toThrow(/part must be/);
  });
});

describe('planning a move', () => {
  it('lists every page of the day folder, keeps the list as the manifest and returns the INSERT of the part', async () => {
    s3Mock
      .on(ListObjectsV2Command, { Prefix: 'archive/_moves/stock_ticks/_pending/' })
      .resolves({ KeyCount: 0 })
      .on(ListObjectsV2Command, { Prefix: 'raw/stock_ticks/dt=2026-11-20/', ContinuationToken: undefined })
      .resolves({
        Contents: [{ Key: 'raw/stock_ticks/dt=2026-11-20/a.gz' }],
        IsTruncated: true,
        NextContinuationToken: 't2',
      })
      .on(ListObjectsV2Command, { Prefix: 'raw/stock_ticks/dt=2026-11-20/', ContinuationToken: 't2' })
      .resolves({ Contents: [{ Key: 'raw/stock_ticks/dt=2026-11-20/b.gz' }], IsTruncated: false });
    s3Mock.on(PutObjectCommand).resolves({});
    const plan = await planMove({
      s3,
      bucket: 'data',
      layout,
      day: '2026-11-20',
      now: new Date('2026-11-20T10:05:00.123Z'),
    });
    expect(plan).toEqual({
      day: '2026-11-20',
      part: '20261120T100500123Z',
      objects: 2,
      manifest: 'archive/_moves/stock_ticks/dt=2026-11-20/20261120T100500123Z.json',
      insert: columnarPartInsert('2026-11-20', '20261120T100500123Z'),
    });
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: 'data',
      Prefix: 'raw/stock_ticks/dt=2026-11-20/',
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'data',
      Key: plan.manifest,
      Body: JSON.stringify({
        day: '2026-11-20',
        part: '20261120T100500123Z',
        keys: ['raw/stock_ticks/dt=2026-11-20/a.gz', 'raw/stock_ticks/dt=2026-11-20/b.gz'],
      }),
    });
  });

  it('with nothing landed writes no manifest and says 0 objects', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    const plan = await planMove({ s3, bucket: 'data', layout, day: '2026-11-20', now: new Date() });
    expect(plan.objects).toBe(0);
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('the part INSERT reads the landed table of that day, each tick once, leaving out records a part holds', () => {
    const insert = columnarPartInsert('2026-11-20', '20261120T100500123Z');
    expect(insert).toMatch(/^INSERT INTO stock_ticks_columnar\n/);
    expect(insert).toContain("'20261120T100500123Z' AS part");
    expect(insert).toContain("FROM stock_ticks\n  WHERE dt = '2026-11-20'");
    expect(insert).toContain(
      'ORDER BY "timestamp", kafka_partition DESC NULLS LAST, kafka_offset DESC NULLS LAST',
    );
    expect(insert).toContain('WHERE previous_timestamp IS DISTINCT FROM "timestamp"');
    expect(insert).toContain("FROM stock_ticks_columnar AS moved\n    WHERE moved.dt = '2026-11-20'");
    expect(insert).toContain('moved.kafka_offset = landed.kafka_offset');
    expect(insert).not.toContain('stock_ticks_unique');
  });

  it('a compaction rewrites the whole day from the view as one new part', () => {
    const plan = planCompaction('2026-11-20', new Date('2026-11-21T00:05:00.000Z'));
    expect(plan.part).toBe('20261121T000500000Z');
    expect(plan.insert).toContain("FROM stock_ticks_unique\nWHERE dt = '2026-11-20'");
  });
});

const NOW = new Date('2026-11-20T10:05:00.000Z');
const pendingKey = (name: string) =>
  `archive/_moves/stock_ticks/_pending/${new Date(NOW.getTime() + DELETION_GRACE_MS).toISOString()}-${name}.json`;

describe('archiving a move', () => {
  const manifest = {
    day: '2026-11-20',
    part: '20261120T100500123Z',
    keys: ['raw/stock_ticks/dt=2026-11-20/a+0+1.gz', 'raw/stock_ticks/dt=2026-11-20/b.gz'],
  };

  it('copies each listed object under the archive prefix and keeps their deletion for the grace period', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(manifest)) } as never);
    s3Mock.on(CopyObjectCommand).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    const result = await archiveMove({ s3, bucket: 'data', layout, manifest: 'm.json', now: NOW });
    expect(result).toEqual({ part: manifest.part, archived: 2, alreadyArchived: 0 });
    expect(s3Mock).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: 'data',
      Key: 'archive/stock_ticks/dt=2026-11-20/a+0+1.gz',
      CopySource: 'data/raw/stock_ticks/dt%3D2026-11-20/a%2B0%2B1.gz',
    });
    const copies = s3Mock.commandCalls(CopyObjectCommand).map((call) => call.args[0].input.Key);
    expect(copies.sort()).toEqual([
      'archive/stock_ticks/dt=2026-11-20/a+0+1.gz',
      'archive/stock_ticks/dt=2026-11-20/b.gz',
    ]);
    // Nothing leaves the landing folder now: a query that listed it may still open it.
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'data',
      Key: pendingKey('moved-20261120T100500123Z'),
      Body: JSON.stringify({ keys: manifest.keys, prefixes: [] }),
    });
  });

  it('an object an earlier attempt archived is counted, not an error; a failed copy fails retriably', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(manifest)) } as never);
    s3Mock.on(CopyObjectCommand, { Key: 'archive/stock_ticks/dt=2026-11-20/a+0+1.gz' }).rejects(noSuchKey());
    s3Mock.on(CopyObjectCommand, { Key: 'archive/stock_ticks/dt=2026-11-20/b.gz' }).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    await expect(archiveMove({ s3, bucket: 'data', layout, manifest: 'm.json', now: NOW })).resolves.toEqual({
      part: manifest.part,
      archived: 1,
      alreadyArchived: 1,
    });
    s3Mock.reset();
    s3Mock.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(manifest)) } as never);
    s3Mock.on(CopyObjectCommand).rejects(Object.assign(new Error('SlowDown'), { name: 'SlowDown' }));
    await expect(
      archiveMove({ s3, bucket: 'data', layout, manifest: 'm.json', now: NOW }),
    ).rejects.toMatchObject({
      name: 'MoveError',
      retriable: true,
      message: expect.stringMatching(/could not archive raw\/stock_ticks/),
    });
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('refuses a manifest that names an object outside the landing folder', async () => {
    s3Mock
      .on(GetObjectCommand)
      .resolves({ Body: body(JSON.stringify({ ...manifest, keys: ['reports/x.csv'] })) } as never);
    await expect(archiveMove({ s3, bucket: 'data', layout, manifest: 'm.json', now: NOW })).rejects.toThrow(
      /names reports\/x.csv, not a landed object/,
    );
    expect(s3Mock).not.toHaveReceivedCommand(CopyObjectCommand);
  });
});

describe('deletions kept for the grace period', () => {
  it('runs the entries due by now (keys, and every object under a prefix), then removes them; later ones wait', async () => {
    const early = 'archive/_moves/stock_ticks/_pending/2026-11-20T10:00:00.000Z-moved-x.json';
    const later = 'archive/_moves/stock_ticks/_pending/2026-11-20T11:00:00.000Z-moved-y.json';
    s3Mock
      .on(ListObjectsV2Command, { Prefix: 'archive/_moves/stock_ticks/_pending/' })
      .resolves({ Contents: [{ Key: early }, { Key: later }] })
      .on(ListObjectsV2Command, { Prefix: 'columnar/stock_ticks/dt=2026-11-20/part=1/' })
      .resolves({ Contents: [{ Key: 'columnar/stock_ticks/dt=2026-11-20/part=1/f.parquet' }] });
    s3Mock.on(GetObjectCommand, { Key: early }).resolves({
      Body: body(
        JSON.stringify({
          keys: ['raw/stock_ticks/dt=2026-11-20/a.gz'],
          prefixes: ['columnar/stock_ticks/dt=2026-11-20/part=1/'],
        }),
      ),
    } as never);
    s3Mock.on(DeleteObjectCommand).resolves({});
    const result = await deleteDue({ s3, bucket: 'data', layout, now: NOW });
    expect(result).toEqual({ entries: 1, deleted: 2 });
    const deleted = s3Mock.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key);
    expect(deleted).toEqual([
      'raw/stock_ticks/dt=2026-11-20/a.gz',
      'columnar/stock_ticks/dt=2026-11-20/part=1/f.parquet',
      early,
    ]);
    expect(s3Mock).not.toHaveReceivedCommandWith(GetObjectCommand, { Key: later });
  });

  it('a plan runs what is due before it lists the landing folder', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    await planMove({ s3, bucket: 'data', layout, day: '2026-11-20', now: NOW });
    const prefixes = s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix);
    expect(prefixes).toEqual(['archive/_moves/stock_ticks/_pending/', 'raw/stock_ticks/dt=2026-11-20/']);
  });
});

describe('dropping a compacted day’s older parts', () => {
  const partition = (part: string) => ({
    Values: ['2026-11-20', part],
    StorageDescriptor: { Location: `s3://data/columnar/stock_ticks/dt=2026-11-20/part=${part}` },
  });
  const drop = (keep = '20261121T000500000Z') =>
    dropOlderParts({
      glue,
      s3,
      bucket: 'data',
      layout,
      database: 'tickstream_dev',
      day: '2026-11-20',
      keep,
      now: NOW,
    });

  it('drops every part older than the kept one from the catalog and keeps the deletion of their files', async () => {
    glueMock
      .on(GetPartitionsCommand, { NextToken: undefined })
      .resolves({
        Partitions: [partition('20261120T090500000Z'), partition('20261121T000500000Z')],
        NextToken: 'n',
      })
      .on(GetPartitionsCommand, { NextToken: 'n' })
      .resolves({ Partitions: [partition('20261120T100500000Z')] });
    glueMock.on(BatchDeletePartitionCommand).resolves({ Errors: [] });
    s3Mock.on(PutObjectCommand).resolves({});
    expect(await drop()).toEqual({ dropped: ['20261120T090500000Z', '20261120T100500000Z'] });
    expect(glueMock).toHaveReceivedCommandWith(GetPartitionsCommand, {
      DatabaseName: 'tickstream_dev',
      TableName: 'stock_ticks_columnar',
      Expression: "dt = '2026-11-20'",
    });
    expect(glueMock).toHaveReceivedCommandWith(BatchDeletePartitionCommand, {
      DatabaseName: 'tickstream_dev',
      TableName: 'stock_ticks_columnar',
      PartitionsToDelete: [
        { Values: ['2026-11-20', '20261120T090500000Z'] },
        { Values: ['2026-11-20', '20261120T100500000Z'] },
      ],
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: pendingKey('replaced-by-20261121T000500000Z'),
      Body: JSON.stringify({
        keys: [],
        prefixes: [
          'columnar/stock_ticks/dt=2026-11-20/part=20261120T090500000Z/',
          'columnar/stock_ticks/dt=2026-11-20/part=20261120T100500000Z/',
        ],
      }),
    });
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('drops nothing when the kept part is not in the catalog (a day the compaction wrote no rows for)', async () => {
    glueMock.on(GetPartitionsCommand).resolves({ Partitions: [partition('20261120T090500000Z')] });
    expect(await drop()).toEqual({ dropped: [] });
    expect(glueMock).not.toHaveReceivedCommand(BatchDeletePartitionCommand);
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('a partition Glue could not drop fails retriably before any deletion is kept', async () => {
    glueMock
      .on(GetPartitionsCommand)
      .resolves({ Partitions: [partition('20261120T090500000Z'), partition('20261121T000500000Z')] });
    glueMock.on(BatchDeletePartitionCommand).resolves({
      Errors: [
        {
          PartitionValues: ['2026-11-20', '20261120T090500000Z'],
          ErrorDetail: { ErrorCode: 'InternalServiceException', ErrorMessage: 'try again' },
        },
      ],
    });
    await expect(drop()).rejects.toMatchObject({
      name: 'MoveError',
      retriable: true,
      message: expect.stringMatching(/try again/),
    });
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });
});

describe('a moveTicks request', () => {
  it('names its step; a malformed one is refused with the field named', () => {
    expect(MoveRequestSchema.parse({ step: 'plan', day: '2026-11-20' })).toEqual({
      step: 'plan',
      day: '2026-11-20',
    });
    const refused = MoveRequestSchema.safeParse({ step: 'drop', day: '2026-11-20', keep: 'yesterday' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path).toEqual(['keep']);
  });
});

describe("moveTicks' settings", () => {
  it('are read once; a missing or malformed one fails naming its variable', () => {
    const env = {
      DATA_BUCKET: 'data',
      RAW_PREFIX: 'raw/stock_ticks',
      ARCHIVE_PREFIX: 'archive/stock_ticks',
      MOVES_PREFIX: 'archive/_moves/stock_ticks',
      GLUE_DATABASE: 'tickstream_dev',
    };
    expect(loadMoverConfig(env)).toMatchObject({ bucket: 'data', database: 'tickstream_dev', layout });
    expect(() => loadMoverConfig({ ...env, ARCHIVE_PREFIX: undefined })).toThrow(/ARCHIVE_PREFIX/);
    expect(() => loadMoverConfig({ ...env, RAW_PREFIX: '/raw/' })).toThrow(
      /RAW_PREFIX=".raw." is invalid: must be a folder path/,
    );
  });
});
