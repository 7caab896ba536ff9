import { describe, expect, it } from '@jest/globals';
import type { MeasuredScan } from '../../../bench/measured-scan';
import {
  athenaBytesPerDay,
  crossAzShare,
  LIMITS,
  SYMBOLS_PER_PRODUCER_INVOCATION,
  scaleModel,
} from '../../../bench/scale-model';

/** Figures of the order this machine measures (bench:e2e, the landing model, bench:scan). */
const measured = {
  landedBytesPerTick: 14.6,
  kafkaBytesPerTick: 330,
  eventBytesPerRecord: 700,
  landTicksPerVcpuSecond: 250_000,
  producerTicksPerVcpuSecond: 15_000,
  brokerCpuSecondsPerTick: 0.0001,
  scan: scanOf(1_728_000, 31_000_000),
};

/**
 * A bench:scan day of `ticks` landed as `rawBytes` of JSON, each hour an equal share: before the columnar table
 * every run reads the day so far 7 times; after it, each run moves one hour and reads 0.2 of the day so far.
 */
function scanOf(ticks: number, rawBytes: number): MeasuredScan {
  const hour = rawBytes / 24;
  const runs = (layout: 'before' | 'after') =>
    Array.from({ length: 24 }, (_, index) => ({
      hour: index + 1,
      move: layout === 'after' ? hour : 0,
      compaction: layout === 'after' && index === 23 ? rawBytes * 0.3 : 0,
      reports: Array(7).fill(hour * (index + 1) * (layout === 'after' ? 0.2 : 1)),
    }));
  return {
    measuredOn: '2026-12-05',
    command: 'npm run bench:scan',
    day: '2026-11-20',
    symbols: 20,
    ticks,
    viewRows: ticks,
    rawBytes,
    columnarBytes: rawBytes * 0.35,
    reports: 7,
    before: runs('before'),
    after: runs('after'),
    hour23RunToBefore: 0.2,
    dayToBefore: 0.2,
    finalReportsToRaw: 0.2,
    oldFinalReportsToRaw: 0.24,
  };
}
const settings = {
  ticksPerSymbolPerSecond: 1,
  brokers: 3,
  replicationFactor: 3,
  retentionHours: 168,
  batchingWindowSeconds: 60,
  landMemoryMb: 1024,
  producerMemoryMb: 512,
  reportRunsPerDay: 24,
  crawlsPerMonth: 30.4,
};

describe('the scale model', () => {
  it("keeps each landTicks event under Lambda's 6 MB payload, whatever the rate", () => {
    const model = scaleModel({ ...settings, symbols: 5000 }, measured);
    expect(model.mapping.recordsPerInvocation * measured.eventBytesPerRecord).toBeLessThanOrEqual(
      LIMITS.invocationPayloadBytes,
    );
    expect(model.mapping.recordsPerInvocation).toBe(Math.floor(LIMITS.invocationPayloadBytes / 700));
  });

  it('gathers a 60 s window per partition at 100 symbols: one PUT per partition a minute', () => {
    const model = scaleModel({ ...settings, symbols: 100 }, measured);
    expect(model.partitions).toBe(3);
    expect(model.mapping.recordsPerInvocation).toBe(2000);
    expect(model.s3PutsPerDay).toBe(3 * 1440);
  });

  it('shards the symbols over schedules of at most five targets', () => {
    const model = scaleModel({ ...settings, symbols: 5000 }, measured);
    expect(model.producers.invocationsPerMinute).toBe(5000 / SYMBOLS_PER_PRODUCER_INVOCATION);
    expect(model.producers.shardsPerSchedule).toBeLessThanOrEqual(LIMITS.targetsPerRule);
    expect(model.producers.schedules * model.producers.shardsPerSchedule).toBeGreaterThanOrEqual(20);
  });

  it('adds partitions, in multiples of the brokers, when one partition cannot keep up', () => {
    const slowLanding = { ...measured, landTicksPerVcpuSecond: 2_000 };
    const model = scaleModel({ ...settings, symbols: 5000 }, slowLanding);
    expect(model.partitions % 3).toBe(0);
    expect(model.partitions).toBeGreaterThan(3);
    // Each partition's share stays within what its invocations land at half utilisation.
    const vcpus = 1024 / LIMITS.lambdaMbPerVcpu;
    const perPartition = 5000 / model.partitions;
    const batch = model.mapping.recordsPerInvocation;
    expect(perPartition).toBeLessThanOrEqual((batch / (0.2 + batch / (2_000 * vcpus))) * 0.5);
  });

  it('moves the brokers off burstable instances when the measured CPU per tick exceeds their baseline', () => {
    expect(scaleModel({ ...settings, symbols: 100 }, measured).broker.instanceType).toBe('t4g.medium');
    // 5,000 ticks/s x 0.0001 s x 2 (headroom) / 3 brokers = 0.33 vCPU: within a t4g.medium's 0.4 baseline.
    expect(scaleModel({ ...settings, symbols: 5000 }, measured).broker.instanceType).toBe('t4g.medium');
    const heavier = { ...measured, brokerCpuSecondsPerTick: 0.0005 };
    expect(scaleModel({ ...settings, symbols: 5000 }, heavier).broker.instanceType).toBe('m7g.large');
  });

  it("sizes each broker's disk for the retention of every replica it holds, with 30% free", () => {
    const model = scaleModel({ ...settings, symbols: 5000 }, measured);
    const retained = (5000 * 330 * 168 * 3600 * 3) / 3 / 1e9;
    expect(model.broker.dataVolumeGiB).toBeGreaterThanOrEqual(retained * 1.3);
    expect(model.broker.dataVolumeGiB).toBeLessThan(retained * 1.3 + 10);
  });

  it('counts cross-AZ bytes: clients to leaders elsewhere and two follower copies with three brokers', () => {
    expect(crossAzShare({ brokers: 3, replicationFactor: 3 })).toBeCloseTo(2 * (2 / 3) + 2);
    expect(crossAzShare({ brokers: 1, replicationFactor: 1 })).toBe(1);
  });

  it('prices Athena from the measured runs: scaled to the rate, each query at least 10 MB, the compaction apart', () => {
    const scan = measured.scan;
    const minimum = 10 * 1024 * 1024;
    // At the measured rate, one day: 24 view DDLs at the minimum, 24 moves of an hour, the reports, one compaction.
    const same = athenaBytesPerDay({ ticksPerDay: scan.ticks, scan, runsPerDay: 24 });
    const hour = 31_000_000 / 24;
    const moves = 24 * Math.max(hour, minimum);
    const reports = Array.from({ length: 24 }, (_, i) => 7 * Math.max(hour * (i + 1) * 0.2, minimum));
    expect(same.reports).toBeCloseTo(24 * minimum + moves + reports.reduce((a, b) => a + b, 0), 0);
    expect(same.compaction).toBeCloseTo(Math.max(31_000_000 * 0.3, minimum), 0);
    // At 100 times the rate, every query is past the minimum: the bytes scale with the ticks.
    const large = athenaBytesPerDay({ ticksPerDay: scan.ticks * 100, scan, runsPerDay: 24 });
    expect(large.compaction).toBeCloseTo(31_000_000 * 0.3 * 100, 0);
    const before = athenaBytesPerDay({
      ticksPerDay: scan.ticks * 100,
      scan,
      runsPerDay: 24,
      layout: 'before',
    });
    expect(large.reports / before.reports).toBeLessThan(0.3);
  });

  it('sums its items into the monthly total', () => {
    const model = scaleModel({ ...settings, symbols: 5000 }, measured);
    const sum = Object.values(model.monthly).reduce((total, value) => total + value, 0);
    expect(model.monthlyTotal).toBeCloseTo(sum, 1);
  });
});
