import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import {
  CRAWLER_SAMPLE_BYTES,
  glueTypeOf,
  inferColumns,
  widerGlueType,
} from '../../../local/aws/glue-crawler';

const gzippedLines = (records: unknown[]) =>
  gzipSync(records.map((record) => JSON.stringify(record)).join('\n'));

describe('the crawler stand-in infers columns as a Glue crawler types JSON', () => {
  it('types whole numbers int while they fit 32 bits, bigint beyond, fractions double, text string', () => {
    expect([1, 2_147_483_647, 2_147_483_648, -2_147_483_649, 1.5, 'x', true, null].map(glueTypeOf)).toEqual([
      'int',
      'int',
      'bigint',
      'bigint',
      'double',
      'string',
      'boolean',
      undefined,
    ]);
  });

  it('widens a column seen with several types: to the wider number, else string; null adds nothing', () => {
    expect(widerGlueType('int', 'bigint')).toBe('bigint');
    expect(widerGlueType('bigint', 'double')).toBe('double');
    expect(widerGlueType('double', 'int')).toBe('double');
    expect(widerGlueType('int', 'string')).toBe('string');
    expect(widerGlueType('boolean', 'int')).toBe('string');
    expect(widerGlueType(undefined, 'int')).toBe('int');
    expect(widerGlueType('double', undefined)).toBe('double');
  });

  it('lists columns in first-seen order, lower-cased, partition keys left out, only-null columns as string', () => {
    const columns = inferColumns(
      [
        gzippedLines([{ Symbol: 'AAPL', price: 100, volume: null, dt: 'x' }]),
        gzippedLines([{ symbol: 'KO', price: 55.5, volume: null, kafka_offset: 3_000_000_000 }]),
      ],
      ['dt'],
    );
    expect(columns).toEqual([
      { name: 'symbol', type: 'string' },
      { name: 'price', type: 'double' },
      { name: 'volume', type: 'string' },
      { name: 'kafka_offset', type: 'bigint' },
    ]);
  });

  it('reads only the first megabyte of an object, as a crawler samples a JSON file, and skips bad lines', () => {
    const filler = { symbol: 'AAPL', note: 'x'.repeat(1000), seq: 1 };
    const lines = Array.from({ length: Math.ceil(CRAWLER_SAMPLE_BYTES / 1000) + 10 }, () => filler);
    const body = gzipSync(
      `not json\n${lines.map((line) => JSON.stringify(line)).join('\n')}\n${JSON.stringify({ late: 1.5 })}`,
    );
    expect(inferColumns([body], []).map((column) => column.name)).toEqual(['symbol', 'note', 'seq']);
  });
});
