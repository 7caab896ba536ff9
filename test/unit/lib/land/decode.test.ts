import { describe, expect, it } from '@jest/globals';
import { loadLanderConfig } from '../../../../lib/land/config';
import { DEFAULT_TIME_WINDOW, recordDecoder } from '../../../../lib/land/decode';
import { planLanding } from '../../../../lib/land/plan';
import { kafkaEvent, kafkaRecord } from '../../../fixtures/kafka-events';
import { sampleTick } from '../../../fixtures/ticks';

/** When the fixture's records were written to Kafka. */
const SENT = Date.parse('2026-11-20T15:00:00.000Z');
const at = (iso: string) => sampleTick({ timestamp: iso });

describe('the time window landing accepts', () => {
  const reasons = (specs: { offset: number; timestamp: string }[], window = DEFAULT_TIME_WINDOW) => {
    const plan = planLanding({
      batch: kafkaEvent(
        specs.map(({ offset, timestamp }) => ({ offset, value: at(timestamp), timestamp: SENT })),
      ),
      timeWindow: window,
    });
    const quarantined = plan.quarantine.flatMap((object) =>
      object.body
        .toBuffer()
        .toString('utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { offset: number; reason: string; value: string }),
    );
    return {
      landed: plan.objects.reduce((sum, object) => sum + object.body.lines, 0),
      quarantined: quarantined.map(({ offset, reason }) => ({ offset, reason })),
      keys: plan.quarantine.map((object) => object.key),
    };
  };

  it('quarantines a tick stamped far in the future, with the reason, in the day its record was sent', () => {
    expect(reasons([{ offset: 7, timestamp: '2099-06-01T00:00:00.000Z' }])).toEqual({
      landed: 0,
      quarantined: [
        {
          offset: 7,
          reason:
            'timestamp 2099-06-01T00:00:00.000Z is more than 300 s ahead of its Kafka record (2026-11-20T15:00:00.000Z)',
        },
      ],
      // Not a dt=2099-06-01 partition: the quarantine goes by the record's own day.
      keys: ['quarantine/stock_ticks/dt=2026-11-20/stock-ticks+0+7.json.gz'],
    });
  });

  it('lands a tick a little ahead of its record (a producer clock), and one at the limit', () => {
    expect(
      reasons([
        { offset: 1, timestamp: '2026-11-20T15:04:59.999Z' },
        { offset: 2, timestamp: '2026-11-20T15:05:00.000Z' },
        { offset: 3, timestamp: '2026-11-20T15:05:00.001Z' },
      ]),
    ).toMatchObject({ landed: 2, quarantined: [{ offset: 3 }] });
  });

  it('bounds each tick by its own record to the millisecond, whatever second of the minute it was sent', () => {
    const sent = Date.parse('2026-11-20T15:00:30.500Z');
    const plan = planLanding({
      batch: kafkaEvent([
        { offset: 1, value: at('2026-11-20T15:05:30.500Z'), timestamp: sent },
        { offset: 2, value: at('2026-11-20T15:05:30.501Z'), timestamp: sent },
      ]),
    });
    expect(plan.objects.map((object) => object.body.lines)).toEqual([1]);
    expect(plan.quarantined).toBe(1);
  });

  it('lands a backfilled past day, and quarantines a tick before the earliest day', () => {
    expect(
      reasons(
        [
          { offset: 1, timestamp: '2025-03-03T14:30:00.000Z' },
          { offset: 2, timestamp: '2019-12-31T23:59:59.999Z' },
          { offset: 3, timestamp: '2020-01-01T00:00:00.000Z' },
        ],
        { maxAheadMs: 300_000, earliestDay: '2020-01-01' },
      ),
    ).toEqual({
      landed: 2,
      quarantined: [
        {
          offset: 2,
          reason:
            'timestamp 2019-12-31T23:59:59.999Z is before the earliest day landing accepts (2020-01-01)',
        },
      ],
      keys: ['quarantine/stock_ticks/dt=2026-11-20/stock-ticks+0+2.json.gz'],
    });
  });

  it('decides by the record, not the landing clock: a retry a year later lands the same way', () => {
    const event = kafkaEvent([{ offset: 1, value: at('2026-11-20T15:04:00.000Z'), timestamp: SENT }]);
    const now = Date.now;
    try {
      Date.now = () => SENT + 365 * 86_400_000;
      expect(planLanding({ batch: event }).objects).toHaveLength(1);
    } finally {
      Date.now = now;
    }
  });

  it('takes its window from the lander configuration, and refuses a malformed one naming it', () => {
    expect(loadLanderConfig({ DATA_BUCKET: 'b-data', RESULTS_BUCKET: 'b-results' }).timeWindow).toEqual(
      DEFAULT_TIME_WINDOW,
    );
    expect(
      loadLanderConfig({
        DATA_BUCKET: 'b-data',
        RESULTS_BUCKET: 'b-results',
        LAND_MAX_AHEAD_SECONDS: '60',
        LAND_EARLIEST_DAY: '2024-01-01',
      }).timeWindow,
    ).toEqual({ maxAheadMs: 60_000, earliestDay: '2024-01-01' });
    expect(() =>
      loadLanderConfig({
        DATA_BUCKET: 'b-data',
        RESULTS_BUCKET: 'b-results',
        LAND_EARLIEST_DAY: '01/01/2024',
      }),
    ).toThrow(/LAND_EARLIEST_DAY="01\/01\/2024" is invalid/);
    expect(() => recordDecoder({ maxAheadMs: 60_000, earliestDay: '2024-13-01' })).toThrow(
      'invalid time window: earliestDay "2024-13-01" is not a day',
    );
  });

  it('quarantines a record outside the window with its value exactly as it came, spacing and lines kept', () => {
    const text = `${JSON.stringify(at('2099-06-01T00:00:00.000Z'), null, 1)}  `;
    const outcome = recordDecoder()(kafkaRecord({ offset: 4, value: text, timestamp: SENT }));
    expect(outcome.ok ? undefined : outcome.entry).toMatchObject({
      offset: 4,
      value: text,
      reason: expect.stringMatching(/^timestamp 2099-06-01T00:00:00.000Z is more than 300 s ahead/),
    });
  });
});

describe('a quarantined record keeps its key', () => {
  const decode = recordDecoder();

  it('as text when its bytes are UTF-8', () => {
    const outcome = decode(kafkaRecord({ offset: 1, value: '{not json' }));
    expect(outcome.ok ? undefined : [outcome.entry.key, outcome.entry.keyEncoding]).toEqual(['BAD', 'utf8']);
  });

  it('as the original bytes, base64, when they are not UTF-8 (a decode would replace them for ever)', () => {
    const key = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const outcome = decode({
      ...kafkaRecord({ offset: 2, value: '{not json' }),
      key: key.toString('base64'),
    });
    expect(outcome.ok).toBe(false);
    const entry = outcome.ok ? undefined : outcome.entry;
    expect(entry?.keyEncoding).toBe('base64');
    expect(Buffer.from(entry?.key ?? '', 'base64')).toEqual(key);
  });
});
