import { gunzipSync } from 'node:zlib';
import type { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LandingWriteError, landBatch, type ObjectWriter } from '../../../../lib/land/write';
import { tickAt } from '../../../../lib/market/simulated/simulator';
import { SYMBOL_PROFILES, type SymbolProfile } from '../../../../lib/market/simulated/symbols';
import { kafkaEvent, type RecordSpec } from '../../../fixtures/kafka-events';

const SYMBOLS = ['AAPL', 'KO', 'JPM', 'TSLA'];
const START = Date.parse('2026-11-20T14:58:00Z');

/** The failure the flaky bucket injects: the only error the delivery loop below expects and retries. */
class InjectedSlowDown extends Error {
  override name = 'SlowDown';
}

/** An in-memory bucket whose writer fails after a given number of successful puts. */
class FlakyBucket {
  readonly objects = new Map<string, string[]>();
  writer(putsBeforeFailure: number | undefined): ObjectWriter {
    let remaining = putsBeforeFailure;
    return {
      send: async (command: PutObjectCommand) => {
        if (remaining !== undefined && remaining-- <= 0)
          throw new InjectedSlowDown('please reduce your request rate');
        const { Key, Body } = command.input;
        this.objects.set(
          Key as string,
          gunzipSync(Body as Buffer)
            .toString('utf8')
            .split('\n')
            .filter(Boolean),
        );
      },
    };
  }
}

/** A topic's records: per partition, offsets from 0, ticks spanning several hours, some records bad. */
const topicRecords = fc
  .array(
    fc.record({
      partition: fc.integer({ min: 0, max: 2 }),
      symbol: fc.constantFrom(...SYMBOLS),
      // Mostly increasing time with jitter, so hours interleave within a partition now and then.
      secondsFromStart: fc.integer({ min: 0, max: 3 * 3600 }),
      bad: fc.oneof(
        { weight: 9, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('{oops', '{"symbol":1}', '') },
      ),
    }),
    { minLength: 1, maxLength: 250 },
  )
  .map((drafts) => {
    const nextOffset = [0, 0, 0];
    return drafts.map((draft): RecordSpec & { partition: number; id: string } => {
      const offset = nextOffset[draft.partition] ?? 0;
      nextOffset[draft.partition] = offset + 1;
      const timeMs = START + draft.secondsFromStart * 1000 + offset;
      const value =
        draft.bad !== undefined
          ? draft.bad === ''
            ? null
            : draft.bad
          : tickAt({
              seed: 'p',
              profile: SYMBOLS_BY_NAME[draft.symbol] as SymbolProfile,
              timeMs,
              ticksPerSecond: 1000,
            });
      return {
        partition: draft.partition,
        offset,
        value,
        timestamp: timeMs,
        id: `${draft.partition}:${offset}`,
      };
    });
  });
const SYMBOLS_BY_NAME = Object.fromEntries(SYMBOLS.map((symbol) => [symbol, SYMBOL_PROFILES.get(symbol)]));

/** How the event source mapping delivers: batch sizes per partition per attempt, and failures mid-batch. */
const deliveries = fc.array(
  fc.record({
    sizes: fc.tuple(
      fc.integer({ min: 1, max: 80 }),
      fc.integer({ min: 1, max: 80 }),
      fc.integer({ min: 1, max: 80 }),
    ),
    putsBeforeFailure: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined, freq: 2 }),
  }),
  { minLength: 1, maxLength: 60 },
);

describe('exactly-once landing on an at-least-once source', () => {
  it('holds every valid record exactly once and every bad one in quarantine exactly once, whatever the batch boundaries and failures', async () => {
    await fc.assert(
      fc.asyncProperty(topicRecords, deliveries, async (records, plan) => {
        const bucket = new FlakyBucket();
        const byPartition = [0, 1, 2].map((p) => records.filter((record) => record.partition === p));
        const committed = [0, 0, 0];
        const done = () => byPartition.every((list, p) => (committed[p] ?? 0) >= list.length);
        // Cycle through the planned deliveries; after them, deliver without failures until caught up (at most one
        // delivery per record is needed then: every failure-free delivery commits at least one record).
        const attemptLimit = plan.length * 3 + records.length;
        for (let attempt = 0; !done(); attempt++) {
          if (attempt >= attemptLimit)
            throw new Error(`not caught up after ${attempt} deliveries: committed ${committed.join(', ')}`);
          const step = plan[attempt % plan.length] ?? { sizes: [50, 50, 50], putsBeforeFailure: undefined };
          const failing = attempt < plan.length * 3 ? step.putsBeforeFailure : undefined;
          // One event may carry several partitions, each from its committed offset.
          const slices = byPartition.map((list, p) =>
            list.slice(committed[p], (committed[p] ?? 0) + (step.sizes[p] ?? 1)),
          );
          try {
            await landBatch({
              batch: kafkaEvent(slices.flat()),
              s3: bucket.writer(failing),
              bucket: 'b',
              concurrency: 2,
            });
            slices.forEach((slice, p) => {
              committed[p] = (committed[p] ?? 0) + slice.length;
            });
          } catch (error) {
            // The mapping retries from the committed offsets: nothing to do but try again with other boundaries.
            // Any other error is a bug in landing, and fails the property at once.
            if (!(error instanceof LandingWriteError && error.cause instanceof InjectedSlowDown)) throw error;
          }
        }

        const lines = (prefix: string) =>
          [...bucket.objects.entries()].filter(([key]) => key.startsWith(prefix)).flatMap(([, body]) => body);
        const landed = lines('raw/').map((line) => {
          const tick = JSON.parse(line) as { symbol: string; timestamp: string };
          return `${tick.symbol}@${tick.timestamp}`;
        });
        const quarantined = lines('quarantine/').map((line) => {
          const entry = JSON.parse(line) as { partition: number; offset: number };
          return `${entry.partition}:${entry.offset}`;
        });
        const valid = records.filter(
          (record) =>
            typeof record.value === 'object' && record.value !== null && !Buffer.isBuffer(record.value),
        );
        const expectedLanded = valid.map((record) => {
          const tick = record.value as { symbol: string; timestamp: string };
          return `${tick.symbol}@${tick.timestamp}`;
        });
        const expectedQuarantined = records
          .filter((record) => !valid.includes(record))
          .map((record) => record.id);
        expect(landed.sort()).toEqual(expectedLanded.sort());
        expect(quarantined.sort()).toEqual(expectedQuarantined.sort());
      }),
      { numRuns: 150 },
    );
    // 150 cases of up to 250 records each: a second or two on a quiet machine, several on a busy one.
  }, 60_000);
});
