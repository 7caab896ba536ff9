import { describe, expect, it } from '@jest/globals';
import {
  applyInputTransformer,
  firingsBetween,
  localSchedules,
  rateToMinutes,
  scheduledEvent,
} from '../../../local/aws/schedules';
import type { ResolvedServerlessConfig } from '../../../local/stack/serverless-config';

const config: Pick<ResolvedServerlessConfig, 'functions'> = {
  functions: {
    produceTicks: {
      handler: 'functions/produce-ticks.handler',
      events: [
        {
          schedule: {
            name: 'ticks-a',
            rate: ['rate(1 minute)'],
            inputTransformer: {
              inputPathsMap: { time: '$.time' },
              inputTemplate: '{"symbols":["AAPL"],"time":<time>}',
            },
          },
        },
        { schedule: { name: 'ticks-b', rate: 'rate(5 minutes)', input: { symbols: ['KO'] } } },
        {
          schedule: { name: 'ticks-off', rate: 'rate(1 minute)', enabled: false, input: '{"symbols":["V"]}' },
        },
      ],
    },
    other: { handler: 'functions/other.handler', events: [{ http: {} }] },
  },
};

describe('local schedules', () => {
  it('parses rate expressions', () => {
    expect(rateToMinutes('rate(1 minute)')).toBe(1);
    expect(rateToMinutes('rate(15 minutes)')).toBe(15);
    expect(rateToMinutes('rate(2 hours)')).toBe(120);
    expect(rateToMinutes('rate(1 day)')).toBe(1440);
    expect(() => rateToMinutes('cron(0 12 * * ? *)')).toThrow(/unsupported schedule expression/);
  });

  it('renders an input transformer as EventBridge does, quoting string values', () => {
    const event = scheduledEvent({ time: new Date('2026-11-20T15:01:00.000Z'), ruleName: 'r' });
    expect(event.time).toBe('2026-11-20T15:01:00Z');
    expect(
      applyInputTransformer(
        { inputPathsMap: { t: '$.time', s: '$.source' }, inputTemplate: '{"at":<t>,"from":<s>}' },
        event,
      ),
    ).toEqual({
      at: '2026-11-20T15:01:00Z',
      from: 'aws.events',
    });
    expect(() => applyInputTransformer({ inputTemplate: '{"at":<t>}' }, event)).toThrow(
      /<t> is not in inputPathsMap/,
    );
  });

  it('fires each enabled schedule at its rate with the input its rule would send', () => {
    const schedules = localSchedules(config);
    expect(schedules.map((s) => [s.name, s.everyMinutes, s.enabled])).toEqual([
      ['ticks-a', 1, true],
      ['ticks-b', 5, true],
      ['ticks-off', 1, false],
    ]);
    const start = Date.parse('2026-11-20T15:04:00Z');
    const firings = firingsBetween({ schedules, startMs: start, endMs: start + 3 * 60_000 });
    expect(firings.map((f) => `${f.time.toISOString()} ${f.schedule.name}`)).toEqual([
      '2026-11-20T15:04:00.000Z ticks-a',
      '2026-11-20T15:05:00.000Z ticks-a',
      '2026-11-20T15:05:00.000Z ticks-b',
      '2026-11-20T15:06:00.000Z ticks-a',
    ]);
    const [first, , second] = firings;
    expect(first?.schedule.eventAt(first.time)).toEqual({ symbols: ['AAPL'], time: '2026-11-20T15:04:00Z' });
    expect(second?.schedule.eventAt(second.time)).toEqual({ symbols: ['KO'] });
  });
});
