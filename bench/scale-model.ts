/**
 * The scale model behind `npm run cost -- --symbols N`: what N symbols × 1 tick/s need from each part of the
 * pipeline and what they cost a month, from figures measured on this machine (the landing path's bytes, PUTs and
 * rate in the same run; the broker cluster's CPU per tick and the producer's rate from `npm run bench:e2e --
 * --brokers 3 --save`) and from AWS's documented limits (cited where used). Pure: every input is a parameter.
 */

import type { MeasuredRun, MeasuredScan } from './measured-scan';
import { HOURS_PER_MONTH, PRICES, SUSTAINED_VCPUS } from './prices';

/** AWS limits the model is bound by. */
export const LIMITS = {
  /** Lambda's synchronous invocation payload (the mapping's event): 6 MB (Lambda quotas). */
  invocationPayloadBytes: 6 * 1024 * 1024,
  /** The Kafka mapping's largest batch (BatchSize maximum, Lambda's self-managed Kafka parameters). */
  mappingBatchSize: 10_000,
  /** Targets one EventBridge rule may have (PutTargets: "up to five (5) targets"). */
  targetsPerRule: 5,
  /** One vCPU per 1,769 MB of Lambda memory (Lambda's memory and computing power). */
  lambdaMbPerVcpu: 1769,
};

/**
 * Symbols one produceTicks invocation publishes: its symbol list travels in the schedule target's Input (at most
 * 8,192 characters, EventBridge's Target.Input), 250 quoted symbols take ~2,000; and a minute of 250 symbols
 * (15,000 ticks) stays a burst of a few seconds at the measured producer rate.
 */
export const SYMBOLS_PER_PRODUCER_INVOCATION = 250;
/** What each landTicks invocation costs beyond its records: the invocation and the S3 PUT's round trip. */
export const LAND_INVOCATION_OVERHEAD_SECONDS = 0.2;
/** A partition's landTicks invocations may keep it busy half the time: a backlog drains at twice the rate. */
const LAND_UTILISATION = 0.5;
/** Brokers run at half their sustained vCPUs, for a leader's share of a lost broker's partitions. */
const BROKER_CPU_HEADROOM = 2;
/** Instance types a broker may be, smallest first. */
const BROKER_TYPES = ['t4g.medium', 'm7g.large', 'm7g.xlarge'];

/** What the model needs measured. */
export interface ScaleMeasurements {
  /** Gzipped bytes a tick lands as, and the Kafka bytes of its record (value, key, headers). */
  landedBytesPerTick: number;
  kafkaBytesPerTick: number;
  /** Bytes a record takes in the mapping's event (base64 value and key, metadata). */
  eventBytesPerRecord: number;
  /** Ticks per second the landing code lands on one vCPU. */
  landTicksPerVcpuSecond: number;
  /** Ticks per second one producer published on one (shared) vCPU: the highest rate that held. */
  producerTicksPerVcpuSecond: number;
  /** CPU seconds a three-broker cluster spent per tick, all brokers together (TLS, replication, fetches). */
  brokerCpuSecondsPerTick: number;
  scan: MeasuredScan;
}

export interface ScaleSettings {
  symbols: number;
  ticksPerSymbolPerSecond: number;
  brokers: number;
  replicationFactor: number;
  retentionHours: number;
  batchingWindowSeconds: number;
  landMemoryMb: number;
  producerMemoryMb: number;
  /** Report runs a day (hourly) and crawls a month, as the workflow week measured them. */
  reportRunsPerDay: number;
  crawlsPerMonth: number;
}

/**
 * The columnar table's upkeep a month: the final day's compaction (Athena), one COPY per landed object into the
 * archive (priced as a PUT; its DELETE is free), the columnar copy's storage for the month, and moveTicks' own
 * invocations (about three a run, under a second at 256 MB).
 */
export function columnarMaintenanceMonthly(params: {
  compactionBytesPerDay: number;
  landedObjectsPerDay: number;
  columnarGbPerMonth: number;
  runsPerDay: number;
}): number {
  const days = HOURS_PER_MONTH / 24;
  const invocations = params.runsPerDay * days * 3;
  return (
    ((params.compactionBytesPerDay * days) / 1e12) * PRICES.athenaPerTb +
    ((params.landedObjectsPerDay * days) / 1000) * PRICES.s3PutPer1000 +
    params.columnarGbPerMonth * PRICES.s3StandardGbMonth +
    invocations * 1 * 0.25 * PRICES.lambdaArmGbSecond +
    (invocations / 1e6) * PRICES.lambdaPerMillionRequests
  );
}

/** A run's queries as Athena bills them at `ticksPerDay`: each measured query scaled, each at least 10 MB. */
function billedRunBytes(run: MeasuredRun, scale: number, parts: 'reports' | 'compaction'): number {
  const minimum = 10 * 1024 * 1024;
  const billed = (bytes: number) => Math.max(bytes * scale, minimum);
  if (parts === 'compaction') return run.compaction > 0 ? billed(run.compaction) : 0;
  // The view's DDL (the 10 MB minimum), the move's INSERT when something landed, every report.
  return (
    minimum +
    (run.move > 0 ? billed(run.move) : 0) +
    run.reports.reduce((sum, bytes) => sum + billed(bytes), 0)
  );
}

/**
 * Bytes Athena scans a day for `ticksPerDay`, as the workflow runs the reports (bench/cost-model.ts): the 24 runs
 * bench:scan measured over a full simulated day (each moves what landed and reports over the view; the 00:05 run
 * also compacts the day that ended), scaled to `ticksPerDay` and to `runsPerDay` runs. `compaction` is the
 * maintenance share (the final day's rewrite into one part), priced as its own line.
 */
export function athenaBytesPerDay(params: {
  ticksPerDay: number;
  scan: MeasuredScan;
  runsPerDay: number;
  layout?: 'after' | 'before';
}): { reports: number; compaction: number } {
  const { ticksPerDay, scan, runsPerDay, layout = 'after' } = params;
  const runs = scan[layout];
  const scale = ticksPerDay / scan.ticks;
  const perRun = runsPerDay / runs.length;
  const sum = (parts: 'reports' | 'compaction') =>
    runs.reduce((total, run) => total + billedRunBytes(run, scale, parts), 0) * perRun;
  return { reports: sum('reports'), compaction: sum('compaction') };
}

/**
 * NAT gateways a month: each one's hours and its Elastic IP (a public IPv4 address), and the landed bytes twice
 * through them (the pollers' and producers' traffic split between zones costs the same per GB).
 */
export function natGatewaysMonthly(gateways: number, gbPerMonth: number): number {
  return (
    gateways * (PRICES.natGatewayHour + PRICES.publicIpv4Hour) * HOURS_PER_MONTH +
    PRICES.natGatewayGb * gbPerMonth * 2
  );
}

/** The pipeline at `settings.symbols` symbols: sizes, rates and the monthly cost, item by item. */
export function scaleModel(settings: ScaleSettings, measured: ScaleMeasurements) {
  const ticksPerSecond = settings.symbols * settings.ticksPerSymbolPerSecond;
  const ticksPerDay = ticksPerSecond * 86_400;
  const ticksPerMonth = ticksPerSecond * HOURS_PER_MONTH * 3600;

  // landTicks: one invocation per partition at a time (the mapping's pollers process each partition in order);
  // its batch is bounded by the batch size, the 6 MB payload and what the window gathers.
  const landVcpus = settings.landMemoryMb / LIMITS.lambdaMbPerVcpu;
  const maxRecordsPerInvocation = Math.min(
    LIMITS.mappingBatchSize,
    Math.floor(LIMITS.invocationPayloadBytes / measured.eventBytesPerRecord),
  );
  const secondsFor = (records: number) =>
    LAND_INVOCATION_OVERHEAD_SECONDS + records / (measured.landTicksPerVcpuSecond * landVcpus);
  // The rate one partition can sustain with full batches, at the allowed utilisation.
  const partitionCapacity =
    (maxRecordsPerInvocation / secondsFor(maxRecordsPerInvocation)) * LAND_UTILISATION;
  const partitions = Math.max(
    settings.brokers,
    Math.ceil(Math.ceil(ticksPerSecond / partitionCapacity) / settings.brokers) * settings.brokers,
  );
  const perPartition = ticksPerSecond / partitions;
  const recordsPerInvocation = Math.min(
    maxRecordsPerInvocation,
    Math.max(1, Math.round(perPartition * settings.batchingWindowSeconds)),
  );
  const landInvocationsPerDay = Math.ceil(ticksPerDay / recordsPerInvocation);
  const landSeconds = secondsFor(recordsPerInvocation);

  // Producers: a minute of a shard of symbols per invocation, five shards per schedule rule.
  const producerInvocationsPerMinute = Math.ceil(settings.symbols / SYMBOLS_PER_PRODUCER_INVOCATION);
  const schedules = Math.ceil(producerInvocationsPerMinute / LIMITS.targetsPerRule);
  const shardsPerSchedule = Math.ceil(producerInvocationsPerMinute / schedules);
  const symbolsPerInvocation = Math.ceil(settings.symbols / producerInvocationsPerMinute);
  const producerVcpus = settings.producerMemoryMb / LIMITS.lambdaMbPerVcpu;
  const producerSeconds =
    (symbolsPerInvocation * 60 * settings.ticksPerSymbolPerSecond) /
    (measured.producerTicksPerVcpuSecond * producerVcpus);

  // Brokers: every broker holds every partition (replication factor = brokers here) and does its share of the
  // cluster's CPU per tick.
  const vcpusPerBroker =
    (ticksPerSecond * measured.brokerCpuSecondsPerTick * BROKER_CPU_HEADROOM) / settings.brokers;
  const instanceType =
    BROKER_TYPES.find((type) => (SUSTAINED_VCPUS[type] ?? 0) >= vcpusPerBroker) ??
    (BROKER_TYPES.at(-1) as string);
  const kafkaBytesPerSecond = ticksPerSecond * measured.kafkaBytesPerTick;
  const retainedGb =
    (kafkaBytesPerSecond * settings.retentionHours * 3600 * settings.replicationFactor) /
    settings.brokers /
    1e9;
  // 30% free space, in steps of 10 GiB; a 16 GiB root volume beside it.
  const dataVolumeGiB = Math.max(20, Math.ceil((retainedGb * 1.3) / 10) * 10);

  const landedGbPerMonth = (ticksPerMonth * measured.landedBytesPerTick) / 1e9;
  const kafkaGbPerMonth = (ticksPerMonth * measured.kafkaBytesPerTick) / 1e9;
  const athenaPerDay = athenaBytesPerDay({
    ticksPerDay,
    scan: measured.scan,
    runsPerDay: settings.reportRunsPerDay,
  });
  const days = HOURS_PER_MONTH / 24;
  const items = {
    natGateway: natGatewaysMonthly(1, landedGbPerMonth),
    brokers:
      settings.brokers *
      ((PRICES.ec2Hour[instanceType] ?? 0) * HOURS_PER_MONTH + PRICES.ebsGbMonth * (16 + dataVolumeGiB)),
    brokerTransfer: kafkaGbPerMonth * crossAzShare(settings) * PRICES.crossAzGb,
    s3:
      (landInvocationsPerDay * days * PRICES.s3PutPer1000) / 1000 +
      landedGbPerMonth * PRICES.s3StandardGbMonth,
    lambda:
      (producerInvocationsPerMinute *
        60 *
        HOURS_PER_MONTH *
        producerSeconds *
        (settings.producerMemoryMb / 1024) +
        landInvocationsPerDay * days * landSeconds * (settings.landMemoryMb / 1024)) *
        PRICES.lambdaArmGbSecond +
      ((producerInvocationsPerMinute * 60 * HOURS_PER_MONTH + landInvocationsPerDay * days) / 1e6) *
        PRICES.lambdaPerMillionRequests,
    glueCrawler: settings.crawlsPerMonth * (10 / 60) * PRICES.glueDpuHour,
    athena: ((athenaPerDay.reports * days) / 1e12) * PRICES.athenaPerTb,
    columnarMaintenance: columnarMaintenanceMonthly({
      compactionBytesPerDay: athenaPerDay.compaction,
      landedObjectsPerDay: landInvocationsPerDay,
      columnarGbPerMonth: (ticksPerMonth * measured.scan.columnarBytes) / measured.scan.ticks / 1e9,
      runsPerDay: settings.reportRunsPerDay,
    }),
    stepFunctions: (settings.reportRunsPerDay * days * 40 * PRICES.stepFunctionsPer1000Transitions) / 1000,
    // Five of the stage's own and one status check per broker.
    alarms: (5 + settings.brokers) * PRICES.alarm,
    kms: PRICES.kmsKeyMonth,
    secretsManager: 3 * PRICES.secretMonth,
  };
  const round = (value: number, digits = 2) => Number(value.toFixed(digits));
  return {
    symbols: settings.symbols,
    ticksPerSecond,
    partitions,
    producers: {
      schedules,
      shardsPerSchedule,
      invocationsPerMinute: producerInvocationsPerMinute,
      symbolsPerInvocation,
      invocationSeconds: round(producerSeconds),
    },
    mapping: {
      concurrency: partitions,
      recordsPerInvocation,
      invocationSeconds: round(landSeconds, 3),
      landTicksInvocationsPerDay: landInvocationsPerDay,
    },
    s3PutsPerDay: landInvocationsPerDay,
    bytesLandedPerDay: Math.round(ticksPerDay * measured.landedBytesPerTick),
    bytesScannedPerDay: Math.round(athenaPerDay.reports + athenaPerDay.compaction),
    broker: {
      count: settings.brokers,
      instanceType,
      vcpusNeededEach: round(vcpusPerBroker, 3),
      dataVolumeGiB,
      kafkaMBPerSecond: round(kafkaBytesPerSecond / 1e6, 3),
    },
    monthly: Object.fromEntries(Object.entries(items).map(([item, value]) => [item, round(value)])),
    monthlyTotal: round(Object.values(items).reduce((sum, value) => sum + value, 0)),
  };
}

/**
 * How many times a Kafka byte crosses an availability zone: producers (in two AZs) reach a partition's leader in
 * another AZ in (brokers - 1) / brokers of cases, and so do the mapping's pollers; each leader sends every byte
 * to (replication factor - 1) followers, each in another AZ. One broker, with clients in two AZs: half the time.
 */
export function crossAzShare(settings: { brokers: number; replicationFactor: number }): number {
  const elsewhere = settings.brokers === 1 ? 0.5 : (settings.brokers - 1) / settings.brokers;
  return 2 * elsewhere + (settings.replicationFactor - 1);
}
