import { describe, expect, it } from '@jest/globals';
import { parseOptions, UsageError } from '../../../local/pipeline/options';

describe('npm run pipeline options', () => {
  it('runs one broker unless --brokers 3 asks for a three-node cluster', () => {
    expect(parseOptions([]).brokers).toBe(1);
    expect(parseOptions(['--brokers', '3']).brokers).toBe(3);
    expect(parseOptions(['--brokers', '1']).brokers).toBe(1);
  });

  it('refuses another broker count, naming the option and what it accepts', () => {
    expect(() => parseOptions(['--brokers', '2'])).toThrow(new UsageError('--brokers must be 1 or 3, got 2'));
    expect(() => parseOptions(['--brokers', 'three'])).toThrow(UsageError);
  });
});
