import { describe, expect, it } from '@jest/globals';
import {
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
  scan: {
    ticks: 1_728_000,
    reports: 7,
    insertScannedBytes: 31_000_000,
    rawReportsScannedBytes: 217_000_000,
    curatedReportsScannedBytes: 52_700_000,
  },
};
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

  it('sums its items into the monthly total', () => {
    const model = scaleModel({ ...settings, symbols: 5000 }, measured);
    const sum = Object.values(model.monthly).reduce((total, value) => total + value, 0);
    expect(model.monthlyTotal).toBeCloseTo(sum, 1);
  });
});
