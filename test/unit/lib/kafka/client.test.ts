import { describe, expect, it } from '@jest/globals';
import { logLevel } from 'kafkajs';
import { kafkaLogCreator } from '../../../../lib/kafka/client';

describe('kafkajs logs through the function logger', () => {
  const entry = (level: logLevel, log: Record<string, unknown>) => ({
    namespace: 'Connection',
    level,
    label: 'x',
    log: { timestamp: '2026-11-20T15:00:00.000Z', message: 'm', ...log },
  });
  const capture = () => {
    const lines: [string, string, Record<string, unknown>][] = [];
    const at =
      (level: string) =>
      (message: string, extra: Record<string, unknown>): void => {
        lines.push([level, message, extra]);
      };
    return { lines, target: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } };
  };

  it('keeps a real error an error, with kafkajs fields and no duplicate timestamp', () => {
    const { lines, target } = capture();
    kafkaLogCreator(target)()(
      entry(logLevel.ERROR, { error: 'Topic authorization failed', broker: 'b:9092' }),
    );
    expect(lines).toEqual([
      [
        'error',
        'm',
        { logger: 'kafkajs', namespace: 'Connection', error: 'Topic authorization failed', broker: 'b:9092' },
      ],
    ]);
  });

  it.each([
    [
      'a coordinator still loading',
      { error: "The coordinator is loading and hence can't process requests for this group" },
    ],
    [
      'a partition without its leader yet',
      { error: 'This server is not the leader for that topic-partition' },
    ],
    ['a connection attempt with retries left', { error: 'Connection error: ECONNREFUSED', retryCount: 1 }],
  ])('logs %s, which kafkajs retries, as a warning', (_name, log) => {
    const { lines, target } = capture();
    kafkaLogCreator(target)()(entry(logLevel.ERROR, log));
    expect(lines.map(([level]) => level)).toEqual(['warn']);
  });

  it('maps WARN, INFO and DEBUG to the same levels', () => {
    const { lines, target } = capture();
    const log = kafkaLogCreator(target)();
    log(entry(logLevel.WARN, {}));
    log(entry(logLevel.INFO, {}));
    log(entry(logLevel.DEBUG, {}));
    expect(lines.map(([level]) => level)).toEqual(['warn', 'info', 'debug']);
  });
});
