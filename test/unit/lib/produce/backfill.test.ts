import { describe, expect, it } from '@jest/globals';
import { tickAt } from '../../../../lib/market/simulated/simulator';
import { simulatedHistorySource } from '../../../../lib/market/simulated/source';
import { SYMBOL_PROFILES, type SymbolProfile } from '../../../../lib/market/simulated/symbols';
import type { HistorySource } from '../../../../lib/market/source';
import { backfillHistory, parseBackfillRequest } from '../../../../lib/produce/backfill';
import { createTickPublisher } from '../../../../lib/produce/publisher';
import { InvalidRequestError } from '../../../../lib/shared/errors';
import { fakeProducer, testKafkaSettings } from '../../../fixtures/fake-producer';
import { sampleTick } from '../../../fixtures/ticks';

function publisherWithCalls() {
  const fake = fakeProducer();
  return {
    ...fake,
    publisher: createTickPublisher({
      settings: testKafkaSettings,
      createProducer: () => fake.producer,
      batchSize: 2000,
    }),
  };
}

describe('backfill request', () => {
  it('accepts dates or instants and defaults to one bar a minute', () => {
    expect(parseBackfillRequest({ symbols: ['AAPL'], from: '2025-03-03', to: '2025-03-04' })).toEqual({
      symbols: ['AAPL'],
      from: '2025-03-03',
      to: '2025-03-04',
      intervalSeconds: 60,
    });
  });

  it.each([
    [
      'an empty range',
      { symbols: ['AAPL'], from: '2025-03-04', to: '2025-03-04' },
      /to: from must be before to/,
    ],
    [
      'a reversed range',
      { symbols: ['AAPL'], from: '2025-03-05', to: '2025-03-04' },
      /from must be before to/,
    ],
    [
      'too many ticks',
      { symbols: ['AAPL', 'MSFT'], from: '2020-01-01', to: '2025-01-01', intervalSeconds: 60 },
      /more than 2000000 ticks/,
    ],
    [
      'an unknown field',
      { symbols: ['AAPL'], from: '2025-03-03', to: '2025-03-04', source: 'x' },
      /Unrecognized key/,
    ],
    ['a bad date', { symbols: ['AAPL'], from: 'March 3rd', to: '2025-03-04' }, /from: /],
  ])('rejects %s', (_case, input, message) => {
    expect(() => parseBackfillRequest(input)).toThrow(InvalidRequestError);
    expect(() => parseBackfillRequest(input)).toThrow(message);
  });
});

describe('backfillHistory', () => {
  const request = parseBackfillRequest({
    symbols: ['AAPL', 'KO'],
    from: '2025-03-03T00:00:00Z',
    to: '2025-03-03T03:30:00Z',
    intervalSeconds: 60,
  });

  it('publishes every bar of the range, in pages, on the live path', async () => {
    const { publisher, calls } = publisherWithCalls();
    const summary = await backfillHistory({
      request,
      source: simulatedHistorySource({ seed: 's' }),
      publisher,
    });
    expect(summary).toEqual({
      published: 420,
      symbols: ['AAPL', 'KO'],
      firstTimestamp: '2025-03-03T00:00:00.000Z',
      lastTimestamp: '2025-03-03T03:29:00.000Z',
      topic: 'stock-ticks',
      source: 'simulated',
      schema: 'tick.v1',
      from: '2025-03-03T00:00:00.000Z',
      to: '2025-03-03T03:30:00.000Z',
      intervalSeconds: 60,
    });
    // Four one-hour pages (the last a half hour), one send each.
    expect(calls.sends.map((send) => send.messages.length)).toEqual([120, 120, 120, 60]);
    const firstKo = JSON.parse(String(calls.sends[0]?.messages[1]?.value));
    expect(firstKo).toEqual(
      tickAt({
        seed: 's',
        profile: SYMBOL_PROFILES.get('KO') as SymbolProfile,
        timeMs: Date.parse('2025-03-03T00:00:00Z'),
        ticksPerSecond: 1 / 60,
      }),
    );
  });

  it('publishes the same records when the same range is re-run', async () => {
    const first = publisherWithCalls();
    const second = publisherWithCalls();
    await backfillHistory({
      request,
      source: simulatedHistorySource({ seed: 's' }),
      publisher: first.publisher,
    });
    await backfillHistory({
      request,
      source: simulatedHistorySource({ seed: 's' }),
      publisher: second.publisher,
    });
    expect(second.calls.sends).toEqual(first.calls.sends);
  });

  it('publishes from any HistorySource, validating its ticks', async () => {
    const { publisher, calls } = publisherWithCalls();
    const vendor: HistorySource = {
      name: 'vendor',
      schema: 'tick.v1',
      async *pages() {
        yield [sampleTick()];
        yield [sampleTick({ price: -5 })];
      },
    };
    await expect(backfillHistory({ request, source: vendor, publisher })).rejects.toThrow(
      /invalid tick: price/,
    );
    expect(calls.sends).toHaveLength(1);
    expect(calls.sends[0]?.messages[0]?.headers).toMatchObject({ source: 'backfill-history/vendor' });
  });
});
