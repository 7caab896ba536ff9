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

describe('npm run pipeline anomalies', () => {
  it('takes --halt and --jump, as many as given, into the producers’ SIMULATION_ANOMALIES', () => {
    const options = parseOptions([
      '--halt',
      'MSFT@2026-11-20T15:05Z..2026-11-20T15:10Z',
      '--jump',
      'AAPL@2026-11-20T15:12Z:+8%',
      '--halt',
      'KO@2026-11-20T15:00Z..2026-11-20T15:01Z',
    ]);
    expect(options.anomalies).toBe(
      'halt:MSFT@2026-11-20T15:05Z..2026-11-20T15:10Z,halt:KO@2026-11-20T15:00Z..2026-11-20T15:01Z,jump:AAPL@2026-11-20T15:12Z:+8%',
    );
    expect(parseOptions([]).anomalies).toBe('');
  });

  it('refuses a malformed one naming the option and an example, and refuses them on the Alpha Vantage fixtures', () => {
    expect(() => parseOptions(['--jump', 'AAPL+8%'])).toThrow(
      new UsageError(
        '--jump AAPL+8%: expected SYMBOL@AT:+P% with a UTC time and a change above -100% (e.g. AAPL@2026-11-20T15:30Z:+8%)',
      ),
    );
    expect(() =>
      parseOptions([
        '--source',
        'alphavantage',
        '--fixtures',
        '--halt',
        'MSFT@2026-11-20T15:05Z..2026-11-20T15:10Z',
      ]),
    ).toThrow(/do not go with --source alphavantage/);
  });
});
