/**
 * `npm run cost`: the monthly AWS cost of a stage at 100 symbols x 1 tick/s, from the landing path's measured
 * object count and bytes (the production landing of bench/landing-model.ts) and us-east-1 list prices.
 * Prints a table and, as its last line, the JSON model.
 */
import { parseArgs } from 'node:util';
import { PlanReportsRequestSchema, planReportDays } from '../lib/reports/days';
import { ServiceError } from '../local/aws/glue-crawler';
import { runReportsWorkflow } from '../local/aws/reports-workflow';
import { type ResolvedServerlessConfig, resolveServerlessConfig } from '../local/stack/serverless-config';
import { measureKafkaRecord, measureProductionLanding } from './landing-model';
import { readMeasuredE2e } from './measured-e2e';
import { readMeasuredScan } from './measured-scan';
import { HOURS_PER_MONTH, PRICES, SECONDS_PER_MONTH } from './prices';
import {
  athenaBytesPerDay,
  columnarMaintenanceMonthly,
  crossAzShare,
  natGatewaysMonthly,
  scaleModel,
} from './scale-model';

const TICKS_PER_SECOND = 100;

const resolvedConfigs = new Map<string, Promise<ResolvedServerlessConfig>>();
/** A stage's serverless.yml as `sls print` resolves it (seconds each): once per stage, however many parts read it. */
function stageConfig(stage: string): Promise<ResolvedServerlessConfig> {
  const resolved = resolvedConfigs.get(stage) ?? resolveServerlessConfig(stage);
  resolvedConfigs.set(stage, resolved);
  return resolved;
}

interface StageShape {
  /** Brokers the stage runs (param brokerCount) and the replication factor that goes with it. */
  brokerCount: number;
  brokerInstanceType: string;
  /** The root volume (16 GiB) and the data volume (`brokerDataVolumeGiB`). */
  brokerVolumesGb: number;
  /** CloudWatch alarms the stage creates. */
  alarms: number;
  /** Customer managed KMS keys (the alerts topic's). */
  kmsKeys: number;
  /** The Kafka mapping's batching window (landBatchingWindowSeconds): how often each partition's batch lands. */
  batchingWindowSeconds: number;
  /**
   * The way out (param natMode): NAT gateways (one, or one per zone the functions use: two, or three with three
   * brokers), or a NAT instance.
   */
  nat: { gateways: number; instanceType: string | undefined; volumesGb: number };
  /** The zones the functions use: two, or three with three brokers (one NAT gateway each with gatewayPerZone). */
  zones: number;
}

/** Read from serverless.yml's params for each stage (`sls print`), so the model prices what is deployed. */
async function stageShape(stage: string): Promise<StageShape> {
  const config = (await stageConfig(stage)) as unknown as {
    resources: { Resources: Record<string, { Properties?: Record<string, unknown> }> };
    custom: {
      kafka: { brokerCount: string | number };
      network: { natMode: string; natInstanceType: string };
    };
    functions: { landTicks: { events: { kafka?: { maximumBatchingWindow?: number | string } }[] } };
  };
  const brokerCount = Number(config.custom.kafka.brokerCount);
  // What the stage creates: a three-broker stage's brokers 2 and 3 (and their alarms) only when it has three.
  const resources = Object.values(
    config.resources.Resources as Record<
      string,
      { Type?: string; Condition?: string; Properties?: Record<string, unknown> }
    >,
  ).filter(
    (resource) =>
      (resource.Condition !== 'ThreeBrokers' || brokerCount === 3) &&
      (resource.Condition !== 'UseNatInstance' || config.custom.network.natMode === 'instance'),
  );
  // The broker and the NAT instance are launched from launch templates: their instance types and volumes are the
  // templates'.
  const launchData = (name: string) =>
    (config.resources.Resources[name]?.Properties?.LaunchTemplateData ?? {}) as {
      InstanceType?: string;
      BlockDeviceMappings?: { Ebs?: { VolumeSize?: number } }[];
    };
  const volumesGb = (data: ReturnType<typeof launchData>) =>
    (data.BlockDeviceMappings ?? []).reduce((sum, volume) => sum + Number(volume.Ebs?.VolumeSize ?? 0), 0);
  const host = launchData('KafkaBrokerLaunchTemplate');
  const ofType = (type: string) => resources.filter((resource) => resource.Type === type).length;
  const zones = brokerCount === 3 ? 3 : 2;
  return {
    brokerCount,
    zones,
    nat:
      config.custom.network.natMode === 'instance'
        ? {
            gateways: 0,
            instanceType: config.custom.network.natInstanceType,
            volumesGb: volumesGb(launchData('NatInstanceLaunchTemplate')),
          }
        : {
            gateways: config.custom.network.natMode === 'gatewayPerZone' ? zones : 1,
            instanceType: undefined,
            volumesGb: 0,
          },
    brokerInstanceType: String(host.InstanceType),
    brokerVolumesGb: volumesGb(host),
    alarms: ofType('AWS::CloudWatch::Alarm'),
    kmsKeys: ofType('AWS::KMS::Key'),
    batchingWindowSeconds: Number(
      config.functions.landTicks.events.find((event) => event.kafka)?.kafka?.maximumBatchingWindow ?? 60,
    ),
  };
}

/** Partitions of the tick topic (the kafkaPartitions param, the same on every stage): batches land per partition. */
const TOPIC_PARTITIONS = 3;
/** The metrics the live view added: landTicks' LandedFreshness and SnapshotFreshness, watchMarket's AlertsOpened. */
const LIVE_METRICS = 3;

/**
 * The live view and alerts a month: each landTicks batch reads and writes the snapshot (a GET, a PUT and ~30 ms
 * more at 1 GB), one batch per partition per batching window while ticks flow; watchMarket each minute (~0.2 s at
 * 256 MB, two GETs and a PUT); the new custom metrics. The freshness alarm is in `alarms`, the topic in `kms`.
 */
export function liveViewMonthly(batchingWindowSeconds: number): number {
  const batches = TOPIC_PARTITIONS * (3600 / batchingWindowSeconds) * HOURS_PER_MONTH;
  const watches = 60 * HOURS_PER_MONTH;
  const snapshot =
    (batches * (PRICES.s3GetPer1000 + PRICES.s3PutPer1000)) / 1000 +
    batches * 0.03 * 1 * PRICES.lambdaArmGbSecond;
  const watch =
    watches * 0.2 * 0.25 * PRICES.lambdaArmGbSecond +
    (watches / 1e6) * PRICES.lambdaPerMillionRequests +
    (watches * (2 * PRICES.s3GetPer1000 + PRICES.s3PutPer1000)) / 1000;
  return snapshot + watch + LIVE_METRICS * PRICES.customMetricMonth;
}

/**
 * What the batching window costs a month beyond a 60 s one: landTicks invocations (requests and ~0.1 s at 1 GB
 * each, one per partition per window) with their snapshot updates.
 */
export function batchingWindowMonthly(batchingWindowSeconds: number): number {
  const batches = TOPIC_PARTITIONS * (3600 / batchingWindowSeconds) * HOURS_PER_MONTH;
  return (
    (batches / 1e6) * PRICES.lambdaPerMillionRequests +
    batches * 0.1 * 1 * PRICES.lambdaArmGbSecond +
    liveViewMonthly(batchingWindowSeconds)
  );
}

/**
 * Runs the deployed reports workflow (its ASL, in aws-local-stepfunctions) at every scheduled instant of a week,
 * with ticks landing all the time, the catalog filled by each crawl and days finalized by each final publish,
 * and counts the runs and the crawls the workflow starts. Nothing is assumed about when it crawls: it decides.
 */
async function measureWorkflowWeek(
  stage: string,
): Promise<{ runs: number; crawls: number; queries: number }> {
  const config = await stageConfig(stage);
  const catalogued = new Set<string>();
  const finalized = new Set<string>();
  const counts = { runs: 0, crawls: 0, queries: 0, moveSteps: 0 };
  const firstRun = Date.parse('2026-11-02T00:05:00Z');
  for (let hour = 0; hour < 7 * 24; hour++) {
    const startTime = new Date(firstRun + hour * 3_600_000);
    const today = startTime.toISOString().slice(0, 10);
    const outcome = await runReportsWorkflow({
      definition: config.stepFunctions.stateMachines.reports.definition,
      startTime,
      tasks: {
        plan: (payload) =>
          planReportDays({
            request: PlanReportsRequestSchema.parse(payload),
            graceMinutes: 5,
            isFinalized: async (day) => finalized.has(day),
          }),
        // Every day folder holds ticks; each run moves what landed (a part, then the archive).
        listObjects: async () => ({ KeyCount: 1 }),
        move: async (payload) => {
          const { step, day = '2026-11-02' } = payload as { step: string; day?: string };
          counts.moveSteps++;
          const part = '20261102T000500000Z';
          return { day, part, objects: 1, manifest: 'm.json', insert: `INSERT ${step}` };
        },
        getPartition: async ({ PartitionValues: [day = ''] }) => {
          if (!catalogued.has(day))
            throw new ServiceError('Glue.EntityNotFoundException', `no partition ${day}`);
          return {};
        },
        getTable: async () => ({}),
        startCrawler: async () => {
          counts.crawls++;
          // A crawl catalogs every folder with ticks, up to the day in progress.
          for (let day = Date.parse(today) - 86_400_000; day <= Date.parse(today); day += 86_400_000)
            catalogued.add(new Date(day).toISOString().slice(0, 10));
          return {};
        },
        getCrawler: async () => ({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED' } } }),
        runQuery: async () => {
          counts.queries++;
          return {
            QueryExecution: {
              QueryExecutionId: 'q',
              ResultConfiguration: { OutputLocation: 's3://results/athena/q.csv' },
              Statistics: { DataScannedInBytes: 0 },
            },
          };
        },
        publish: async (payload) => {
          const { day, final } = payload as { day: string; final: boolean };
          if (final) finalized.add(day);
          return { day };
        },
        notify: async () => undefined,
      },
    });
    if (outcome.status !== 'SUCCEEDED') throw new Error(`workflow ${outcome.error}: ${outcome.cause}`);
    counts.runs++;
  }
  return counts;
}

/**
 * The way out a month: its NAT gateways, or a NAT instance (its hours, its root volume and its public IPv4
 * address; it processes bytes for free).
 */
function natMonthly(nat: StageShape['nat'], gbPerMonth: number): number {
  if (nat.instanceType === undefined) return natGatewaysMonthly(nat.gateways, gbPerMonth);
  return (
    ((PRICES.ec2Hour[nat.instanceType] ?? Number.NaN) + PRICES.publicIpv4Hour) * HOURS_PER_MONTH +
    PRICES.ebsGbMonth * nat.volumesGb
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { symbols: { type: 'string' } } });
  const symbols = values.symbols === undefined ? undefined : Number(values.symbols);
  if (symbols !== undefined && !(Number.isInteger(symbols) && symbols > 0))
    throw new Error(`--symbols must be a whole number above 0, got ${values.symbols}`);
  const landing = await measureProductionLanding({ gzipLevel: 6 });
  const bytesPerTick = landing.bytes / landing.ticks;
  const putsPerTick = landing.puts / landing.ticks;
  const ticksPerMonth = TICKS_PER_SECOND * SECONDS_PER_MONTH;
  const gbPerMonth = (ticksPerMonth * bytesPerTick) / 1e9;
  const record = measureKafkaRecord();
  const kafkaBytesPerTick = record.kafkaBytesPerTick;
  const kafkaGbPerMonth = (ticksPerMonth * kafkaBytesPerTick) / 1e9;
  const ticksPerDay = TICKS_PER_SECOND * 86_400;
  const scan = readMeasuredScan();

  const weeksPerMonth = HOURS_PER_MONTH / (7 * 24);
  const daysPerMonth = HOURS_PER_MONTH / 24;
  const stageNames = ['dev', 'prod'];
  const shapes = await Promise.all(stageNames.map(stageShape));
  const workflow = await measureWorkflowWeek('dev');
  const crawlsPerMonth = workflow.crawls * weeksPerMonth;
  const reportRunsPerMonth = workflow.runs * weeksPerMonth;
  const queriesPerRun = workflow.queries / workflow.runs;
  const athena = athenaBytesPerDay({ ticksPerDay, scan, runsPerDay: reportRunsPerMonth / daysPerMonth });
  const athenaBefore = athenaBytesPerDay({
    ticksPerDay,
    scan,
    runsPerDay: reportRunsPerMonth / daysPerMonth,
    layout: 'before',
  });
  const model = Object.fromEntries(
    stageNames.map((stage, index) => {
      const shape = shapes[index] as StageShape;
      const items: Record<string, number> = {
        natGateway: natMonthly(shape.nat, gbPerMonth),
        broker:
          shape.brokerCount *
          ((PRICES.ec2Hour[shape.brokerInstanceType] ?? 0) * HOURS_PER_MONTH +
            PRICES.ebsGbMonth * shape.brokerVolumesGb),
        // Kafka's bytes between availability zones: clients to leaders elsewhere, leaders to their followers.
        brokerTransfer:
          kafkaGbPerMonth *
          crossAzShare({ brokers: shape.brokerCount, replicationFactor: shape.brokerCount }) *
          PRICES.crossAzGb,
        // A month's landed data, stored for the month (it accumulates: month n stores n times this).
        s3:
          (ticksPerMonth * putsPerTick * PRICES.s3PutPer1000) / 1000 + gbPerMonth * PRICES.s3StandardGbMonth,
        // Producers: 2 schedules a minute, ~0.3 s at 512 MB; landTicks: one 60 s batch per partition-minute, ~0.1 s at 1 GB.
        lambda:
          (2 * 60 * HOURS_PER_MONTH * 0.3 * 0.5 + 3 * 60 * HOURS_PER_MONTH * 0.1 * 1) *
            PRICES.lambdaArmGbSecond +
          ((5 * 60 * HOURS_PER_MONTH) / 1e6) * PRICES.lambdaPerMillionRequests,
        // Each crawl bills at least 10 minutes of 1 DPU; the workflow starts one only for an uncatalogued day.
        glueCrawler: crawlsPerMonth * (10 / 60) * PRICES.glueDpuHour,
        // From the bytes Trino read over a full simulated day (bench:scan), per tick, at this rate: every hourly
        // run replaces the view (DDL: the 10 MB minimum), moves what landed into a columnar part (one INSERT over
        // the landing folder's hour) and runs each report over the view (columnar parts, little JSON).
        athena: ((athena.reports * daysPerMonth) / 1e12) * PRICES.athenaPerTb,
        // The final day's compaction into one part, the archive's COPYs, the columnar copy's storage, moveTicks.
        columnarMaintenance: columnarMaintenanceMonthly({
          compactionBytesPerDay: athena.compaction,
          landedObjectsPerDay: ticksPerDay * putsPerTick,
          columnarGbPerMonth: (ticksPerMonth * scan.columnarBytes) / scan.ticks / 1e9,
          runsPerDay: reportRunsPerMonth / daysPerMonth,
        }),
        stepFunctions: (reportRunsPerMonth * 40 * PRICES.stepFunctionsPer1000Transitions) / 1000,
        // The snapshot after each batch, watchMarket each minute and their metrics (docs/live.md).
        liveView: liveViewMonthly(shape.batchingWindowSeconds),
        alarms: shape.alarms * PRICES.alarm,
        // The alerts topic's key ($1 a month; its requests, one data key per publisher every 5 minutes, stay
        // inside KMS's 20,000 free requests a month).
        kms: shape.kmsKeys * PRICES.kmsKeyMonth,
        // The brokers' SCRAM user, CA and cluster secrets. Reads cost $0.05 per 10,000: the producers read once
        // per container and the mapping's pollers now and then, cents a month.
        secretsManager: 3 * PRICES.secretMonth,
      };
      const total = Object.values(items).reduce((sum, value) => sum + value, 0);
      return [
        stage,
        {
          items: Object.fromEntries(Object.entries(items).map(([k, v]) => [k, Number(v.toFixed(2))])),
          total: Number(total.toFixed(2)),
        },
      ];
    }),
  );

  console.log(
    `Landing at production settings: ${bytesPerTick.toFixed(1)} bytes and ${(putsPerTick * 1e6).toFixed(0)} PUTs per million ticks`,
  );
  console.log(
    `100 symbols x 1 tick/s: ${(ticksPerMonth / 1e6).toFixed(0)} M ticks, ${gbPerMonth.toFixed(2)} GB landed per month`,
  );
  console.log(
    `Athena, measured in the local Trino (bench:scan): ${(athena.reports / 1e9).toFixed(2)} GB a day for the reports and moves, ${(athena.compaction / 1e9).toFixed(3)} GB for the compaction (the landed JSON read by every run, as before the columnar table: ${((athenaBefore.reports + athenaBefore.compaction) / 1e9).toFixed(2)} GB)`,
  );
  console.log(
    `Reports workflow, run at each scheduled hour of a week: ${workflow.runs} runs, ${workflow.crawls} crawls, ${queriesPerRun.toFixed(1)} queries per run\n`,
  );
  const stages = Object.keys(model);
  const itemNames = Object.keys(model[stages[0] as string]?.items ?? {});
  console.log(['item'.padEnd(14), ...stages.map((s) => s.padStart(10))].join(''));
  for (const item of itemNames) {
    console.log(
      [item.padEnd(14), ...stages.map((s) => `$${model[s]?.items[item]?.toFixed(2)}`.padStart(10))].join(''),
    );
  }
  console.log(
    ['total'.padEnd(14), ...stages.map((s) => `$${model[s]?.total.toFixed(2)}`.padStart(10))].join(''),
  );
  // What the batching window (landBatchingWindowSeconds) costs: landTicks' invocations and the live view's work.
  const windows = [60, 10, 5];
  console.log(
    `\nBatching window, landTicks and the live view a month: ${windows.map((window) => `${window} s $${batchingWindowMonthly(window).toFixed(2)}`).join(', ')} (a shorter window: fresher snapshot, more invocations)`,
  );
  // The trade-off of a NAT gateway in every zone (natMode: gatewayPerZone): what a stage would pay for egress that
  // survives a lost zone.
  const perZone = stages.map((stage, index) => {
    const shape = shapes[index] as StageShape;
    const extra = natGatewaysMonthly(shape.zones, gbPerMonth) - natMonthly(shape.nat, gbPerMonth);
    return `${stage} ${extra === 0 ? 'already' : `+$${extra.toFixed(2)} → $${((model[stage]?.total ?? 0) + extra).toFixed(2)}`}`;
  });
  console.log(
    `A NAT gateway in every zone the functions use (natMode: gatewayPerZone): ${perZone.join(', ')}`,
  );
  // The scale model (npm run cost -- --symbols N): prod's shape at 100 symbols and at N, from this run's landing
  // figures and the broker cluster's kept measurements (bench:e2e --save).
  const scale =
    symbols === undefined
      ? undefined
      : await (async () => {
          const sustained = readMeasuredE2e('sustained');
          const saturation = readMeasuredE2e('saturation');
          const measured = {
            landedBytesPerTick: bytesPerTick,
            kafkaBytesPerTick,
            eventBytesPerRecord: record.eventBytesPerRecord,
            landTicksPerVcpuSecond: landing.ticks / landing.landSeconds,
            producerTicksPerVcpuSecond: saturation.e2e.producedPerSecond,
            brokerCpuSecondsPerTick: sustained.e2e.brokerCpuSecondsPerTick,
            scan,
          };
          const settings = {
            ...(await prodScaleSettings()),
            reportRunsPerDay: workflow.runs / 7,
            crawlsPerMonth,
          };
          const at100 = scaleModel({ ...settings, symbols: 100 }, measured);
          const atSymbols = scaleModel({ ...settings, symbols }, measured);
          printScale(settings, at100, atSymbols);
          return {
            measured: {
              landedBytesPerTick: Number(bytesPerTick.toFixed(2)),
              kafkaBytesPerTick: Number(kafkaBytesPerTick.toFixed(1)),
              eventBytesPerRecord: Number(record.eventBytesPerRecord.toFixed(1)),
              landTicksPerVcpuSecond: Math.round(measured.landTicksPerVcpuSecond),
              producerTicksPerVcpuSecond: measured.producerTicksPerVcpuSecond,
              brokerCpuSecondsPerTick: measured.brokerCpuSecondsPerTick,
              sustained: sustained.command,
              saturation: saturation.command,
            },
            at100,
            atSymbols,
          };
        })();
  console.log(
    JSON.stringify({
      bytesPerTick: Number(bytesPerTick.toFixed(2)),
      putsPerMillionTicks: Math.round(putsPerTick * 1e6),
      gbPerMonth: Number(gbPerMonth.toFixed(2)),
      kafkaBytesPerTick: Number(kafkaBytesPerTick.toFixed(1)),
      workflowWeek: workflow,
      crawlsPerMonth: Number(crawlsPerMonth.toFixed(1)),
      athenaBytesPerDay: {
        reportsAndMoves: Math.round(athena.reports),
        compaction: Math.round(athena.compaction),
        beforeColumnar: Math.round(athenaBefore.reports + athenaBefore.compaction),
      },
      dev: model.dev?.total,
      prod: model.prod?.total,
      stages: model,
      ...(scale ? { scale } : {}),
    }),
  );
}

/**
 * Prod's shape as serverless.yml deploys it (`sls print`): its brokers (and so the replication factor), Kafka's
 * retention, the mapping's batching window, landTicks' and the producers' memory. Ticks at 1 per symbol a second.
 */
async function prodScaleSettings() {
  const config = (await stageConfig('prod')) as unknown as {
    params: Record<string, { kafkaRetentionHours?: number }>;
    provider: { memorySize: number };
    custom: { kafka: { brokerCount: string | number } };
    functions: Record<
      string,
      { memorySize?: number; events?: { kafka?: { maximumBatchingWindow?: number } }[] }
    >;
  };
  const brokers = Number(config.custom.kafka.brokerCount);
  const landTicks = config.functions.landTicks;
  const produceTicks = config.functions.produceTicks;
  return {
    ticksPerSymbolPerSecond: 1,
    brokers,
    replicationFactor: brokers,
    retentionHours: Number(
      config.params.prod?.kafkaRetentionHours ?? config.params.default?.kafkaRetentionHours,
    ),
    batchingWindowSeconds: Number(
      landTicks?.events?.find((event) => event.kafka)?.kafka?.maximumBatchingWindow,
    ),
    landMemoryMb: landTicks?.memorySize ?? config.provider.memorySize,
    producerMemoryMb: produceTicks?.memorySize ?? config.provider.memorySize,
  };
}

/** The scale model as a table: each figure at 100 symbols and at the asked number, side by side. */
function printScale(
  shape: { brokers: number; replicationFactor: number },
  small: ReturnType<typeof scaleModel>,
  large: ReturnType<typeof scaleModel>,
): void {
  const rows: [string, (model: ReturnType<typeof scaleModel>) => string][] = [
    ['ticks/s', (m) => String(m.ticksPerSecond)],
    ['partitions', (m) => String(m.partitions)],
    ['producer schedules', (m) => `${m.producers.schedules} x ${m.producers.shardsPerSchedule} shards`],
    ['symbols/invocation', (m) => String(m.producers.symbolsPerInvocation)],
    ['producer seconds', (m) => String(m.producers.invocationSeconds)],
    ['mapping concurrency', (m) => String(m.mapping.concurrency)],
    ['records/landTicks', (m) => String(m.mapping.recordsPerInvocation)],
    ['landTicks seconds', (m) => String(m.mapping.invocationSeconds)],
    ['landTicks/day', (m) => String(m.mapping.landTicksInvocationsPerDay)],
    ['S3 PUTs/day', (m) => String(m.s3PutsPerDay)],
    ['GB landed/day', (m) => (m.bytesLandedPerDay / 1e9).toFixed(2)],
    ['GB scanned/day', (m) => (m.bytesScannedPerDay / 1e9).toFixed(2)],
    ['broker', (m) => `${m.broker.count} x ${m.broker.instanceType}`],
    ['vCPU/broker', (m) => String(m.broker.vcpusNeededEach)],
    ['data GiB/broker', (m) => String(m.broker.dataVolumeGiB)],
    ...Object.keys(large.monthly).map(
      (item) =>
        [`$ ${item}`, (m: ReturnType<typeof scaleModel>) => (m.monthly[item] ?? 0).toFixed(2)] as [
          string,
          (model: ReturnType<typeof scaleModel>) => string,
        ],
    ),
    ['$ total/month', (m) => m.monthlyTotal.toFixed(2)],
  ];
  console.log(
    `\nScale model (prod's shape: ${shape.brokers} brokers, replication factor ${shape.replicationFactor}), ${small.symbols} and ${large.symbols} symbols x 1 tick/s`,
  );
  for (const [name, value] of rows)
    console.log([name.padEnd(22), value(small).padStart(16), value(large).padStart(16)].join(''));
  console.log('');
}

main().catch((error: unknown) => {
  // What went wrong and what to do (a bad --symbols, a measurement to make first), in one line.
  console.error(`cost: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
