import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { FUNCTIONS } from '../../functions/factories';
import type { BuiltFunction } from '../../functions/factories/function';
import type { KafkaEventBatch } from '../../lib/contract/kafka-event';
import type { KafkaAuth } from '../../lib/kafka/client';
import { columnarTableDdl } from '../../lib/reports/columnar';
import { createLogger, createMetrics, type LogSink } from '../../lib/shared/observability';
import { LOCAL_S3_CREDENTIALS } from '../../lib/shared/s3';
import {
  type LocalEventSourceMapping,
  type MappingSettings,
  startEventSourceMapping,
} from '../aws/event-source-mapping';
import { createLocalPartsCatalog } from '../aws/glue-partitions';
import { localContext } from '../aws/lambda-context';
import {
  observeTasks,
  type ReportsTasks,
  runReportsWorkflow,
  type WorkflowOutcome,
} from '../aws/reports-workflow';
import { type BrokerNode, startBroker } from '../services/kafka/broker';
import { ensureTopic } from '../services/kafka/readiness';
import type { PartitionOffsets } from '../services/kafka/topic';
import { LOCAL_REGION, type LocalS3, startLocalS3 } from '../services/s3/s3';
import { StartedServices } from '../services/service';
import type { TrinoClient } from '../services/trino/client';
import { createHiveCatalog, type LocalHiveCatalog } from '../services/trino/hive-catalog';
import { useOrStartTrino } from '../services/trino/server';
import { CACHE_DIR } from '../support/cache';
import { loadLocalStackConfig } from './config';
import { type DataLayout, dataLayoutOf } from './data-layout';
import {
  configuredTopic,
  functionEnvironments,
  localAlertsTopicName,
  localResources,
} from './function-environments';
import { localReportsTasks } from './reports-tasks';
import {
  KafkaEventConfigSchema,
  type ResolvedServerlessConfig,
  resolveServerlessConfig,
} from './serverless-config';

/** The pipeline on one machine: a real Kafka broker, a local S3 endpoint and the project's real handlers. */
export interface LocalStack {
  stage: string;
  brokers: string[];
  /** How clients sign in to the broker: SASL_SSL (the stack's own broker), or what the given broker needs. */
  auth: KafkaAuth;
  /** Whether the stack started its broker (or was given one: `brokers`, KAFKA_BROKERS). */
  ownBroker: boolean;
  /** The nodes of the stack's own Kafka (tests stall, kill and restart them); none when it was given one. */
  brokerNodes: BrokerNode[];
  topic: string;
  config: ResolvedServerlessConfig;
  /** Where ticks land and the table they make (serverless.yml `custom.data`). */
  layout: DataLayout;
  s3: LocalS3;
  /** Local names of the template's resources that handlers reference (`!Ref DataBucket` → a local bucket). */
  resources: Record<string, string>;
  /** Invokes a function's real handler in this process, with the environment serverless.yml gives it. */
  invoke(functionName: string, event: unknown): Promise<unknown>;
  /**
   * Runs the reports state machine's ASL with planReports, the local crawler, Athena and publishReports behind its
   * tasks. Its output on success is `{ manifests: RunManifest[] }`, one per day reported.
   */
  runReports(
    input?: { day?: string },
    options?: {
      /** Told after each Task state's work: progress for a person watching. */
      onTask?: (task: keyof ReportsTasks) => void;
      /** The execution's start time, the workflow's clock (default: now). */
      startTime?: Date;
      /** Another ASL to run on the same stand-ins (default: serverless.yml's), e.g. with other report SQL. */
      definition?: unknown;
    },
  ): Promise<WorkflowOutcome>;
  /** The local Glue Data Catalog: this stack's Hive catalog on the local Trino, which the crawler stand-in fills. */
  catalog: LocalHiveCatalog;
  /** The local Athena's engine (the stack's own Trino, or the one `TRINO_URL` names). */
  trino: TrinoClient;
  /** Starts the `kafka` event source mappings of serverless.yml; `wrap` can intercept each invocation. */
  startMappings(options?: {
    maxAttempts?: number;
    consumerGroupSuffix?: string;
    /** Offsets a new consumer group starts from (see MappingSettings.startAt). */
    startAt?: PartitionOffsets;
    /** Records per invocation, overriding serverless.yml's (a re-drive with other batch boundaries). */
    batchSize?: number;
    wrap?: (
      invoke: (event: KafkaEventBatch) => Promise<unknown>,
    ) => (event: KafkaEventBatch) => Promise<unknown>;
  }): Promise<LocalEventSourceMapping[]>;
  stop(): Promise<void>;
}

let stacksStarted = 0;

/** The `kafka` events of serverless.yml as mapping settings, one per function and topic. */
export function kafkaMappings(
  config: ResolvedServerlessConfig,
  brokers: string[],
): { functionName: string; settings: Omit<MappingSettings, 'maxAttempts'> }[] {
  const mappings: { functionName: string; settings: Omit<MappingSettings, 'maxAttempts'> }[] = [];
  for (const [functionName, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      if (event.kafka === undefined) continue;
      const kafka = KafkaEventConfigSchema.parse(event.kafka);
      mappings.push({
        functionName,
        settings: {
          brokers,
          topic: kafka.topic,
          consumerGroupId: kafka.consumerGroupId ?? `${config.service}-${functionName}`,
          batchSize: Number(kafka.batchSize ?? 100),
          batchingWindowMs: Number(kafka.maximumBatchingWindow ?? 0) * 1000 || 500,
          startingPosition: kafka.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        },
      });
    }
  }
  return mappings;
}

/**
 * Starts a broker (unless given one or `KAFKA_BROKERS` names one) and a local S3 endpoint, creates the topic and
 * the buckets, and gives every handler the environment serverless.yml gives it, pointed at them.
 */
export async function startLocalStack(
  params: {
    stage?: string;
    partitions?: number;
    brokers?: string[];
    /** Start a broker of its own even where `KAFKA_BROKERS` names one (a test that stalls its broker). */
    ownBroker?: boolean;
    /** How to sign in to the given `brokers` (default: plaintext). */
    auth?: KafkaAuth;
    /**
     * How the stack's own broker listens: `sasl_ssl` (default, as deployed) or `plaintext` (a benchmark's
     * baseline, to measure what TLS and SCRAM cost).
     */
    brokerSecurity?: 'sasl_ssl' | 'plaintext';
    /**
     * Nodes of the stack's own Kafka: 1 (default), or 3, a KRaft cluster whose topic keeps three copies of each
     * partition and acknowledges writes once two have them (as a prod stage's brokers).
     */
    brokerNodes?: number;
    /**
     * A topic to use instead of serverless.yml's, for producers and mappings alike (tests isolate with it; default
     * `KAFKA_TOPIC`, else serverless.yml's). The mappings of another topic consume in groups named after it.
     */
    topic?: string;
    /** Batching window of the local mappings, overriding serverless.yml's (which is sized for AWS costs). */
    batchingWindowMs?: number;
    log?: (line: string) => void;
    /** The functions' log level (`POWERTOOLS_LOG_LEVEL`), overriding the stage's. */
    functionLogLevel?: string;
    /** Where the functions' logs go instead of stdout, e.g. a file. */
    functionLogs?: LogSink;
    /** Where the stack's own Trino writes its log (default: beside its work folder in .cache/trino-run/). */
    trinoLogFile?: string;
    /**
     * Variables set for every function after serverless.yml's (e.g. the market source of a local run); an empty
     * value unsets one, as for the functions an empty variable is unset.
     */
    functionEnvironment?: Record<string, string>;
  } = {},
): Promise<LocalStack> {
  const stage = params.stage ?? 'dev';
  const log = params.log ?? (() => undefined);
  const local = loadLocalStackConfig();
  const externalBrokers = params.ownBroker ? undefined : (params.brokers ?? local.externalBrokers);
  // Unique per stack, also for stacks one process starts in the same millisecond (their folders, their catalog).
  const runId = `${process.pid}-${Date.now()}-${++stacksStarted}`;
  // Nothing may keep running after a failed start, and `stop()` ends the rest: see StartedServices.
  const services = new StartedServices();

  // 1. Side by side: serverless.yml resolved for the stage, the broker, Trino, and the S3 endpoint with the
  //    stage's buckets (named from the config). Each takes seconds; none waits for another it does not need.
  const configured = resolveServerlessConfig(stage);
  const [config, broker, trino, s3] = await services.sideBySide([
    configured,
    externalBrokers
      ? Promise.resolve(undefined)
      : startBroker({
          workDir: join(CACHE_DIR, 'kafka-run', `stack-${runId}`),
          removeOnStop: true,
          nodes: params.brokerNodes ?? 1,
          // The stack's own broker listens as the deployed one does: SASL_SSL with SCRAM-SHA-512 only.
          security: params.brokerSecurity ?? 'sasl_ssl',
        }),
    useOrStartTrino({
      url: local.externalTrino,
      workDir: join(CACHE_DIR, 'trino-run', `stack-${runId}`),
      logFile: params.trinoLogFile ?? join(CACHE_DIR, 'trino-run', 'stack.log'),
    }),
    configured.then((resolved) =>
      startLocalS3({
        storageDir: join(CACHE_DIR, 'local-s3', `stack-${runId}`),
        buckets: [localResources(resolved, stage).DataBucket, localResources(resolved, stage).ResultsBucket],
        topics: [localAlertsTopicName(resolved, stage)],
        removeOnStop: true,
      }),
    ),
  ] as const);
  const brokers = externalBrokers ?? broker?.brokers ?? [];
  const { brokers: _, ...auth }: KafkaAuth & { brokers?: string[] } = broker
    ? broker.connection
    : (params.auth ?? (params.brokers ? {} : local.externalAuth));
  log(
    broker
      ? `started ${broker.description}`
      : `using Kafka at ${brokers.join(',')}${auth.sasl ? ' (SASL_SSL)' : ''}`,
  );
  log(`started ${s3.description}`);
  log(local.externalTrino ? `using ${trino.description}` : `started ${trino.description}`);

  // 2. What the template creates, on them: the functions' environments, and side by side the catalog (the stack's
  //    Glue Data Catalog: a Hive catalog of its own on Trino, over its own S3 endpoint, with the database and the
  //    columnar table CloudFormation creates) and the topic.
  const layout = dataLayoutOf(config);
  const resources = localResources(config, stage);
  const reportsConfig = config.custom.reports;
  const topic = params.topic ?? local.topic ?? configuredTopic(config) ?? 'stock-ticks';
  const environments = functionEnvironments({
    config,
    resources,
    brokers,
    auth,
    topic,
    s3Endpoint: s3.endpoint,
    ...(params.functionEnvironment ? { overrides: params.functionEnvironment } : {}),
  });
  const [catalog] = await services.sideBySide([
    createHiveCatalog({
      client: trino.client,
      name: `tickstream_${runId.replace(/\W/g, '_')}`,
      s3Endpoint: s3.plainEndpoint,
      region: LOCAL_REGION,
      metastoreDir: join(CACHE_DIR, 'trino-run', `metastore-${runId}`),
      database: reportsConfig.database,
    }).then(async (created) => {
      services.onStop(() => created.drop());
      // The columnar table, which CloudFormation creates on AWS (resources/reports.yml ColumnarTicksTable).
      await trino.client.query(columnarTableDdl(`s3://${resources.DataBucket}/${layout.columnarPrefix}`), {
        catalog: created.name,
        schema: reportsConfig.database,
      });
      return created;
    }),
    ensureTopic({
      brokers,
      auth,
      topic,
      partitions: params.partitions ?? 3,
      ...(broker ? { shape: broker.shape } : {}),
    }).catch((error: unknown) => {
      throw new Error(
        `Kafka at ${brokers.join(',')} cannot serve topic ${topic}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }),
  ] as const);

  // Each function is built once (as Lambda initialises a container once), from its own environment.
  const built = new Map<string, BuiltFunction>();
  // The local SNS answers on the same endpoint as the local S3 (one stand-in serves both).
  const alertsClient = new SNSClient({
    region: LOCAL_REGION,
    endpoint: s3.endpoint,
    credentials: LOCAL_S3_CREDENTIALS,
  });
  const load = (functionName: string): BuiltFunction => {
    const existing = built.get(functionName);
    if (existing) return existing;
    const definition = FUNCTIONS[functionName];
    const env = environments[functionName];
    if (!definition || !env) throw new Error(`serverless.yml has no function ${functionName}`);
    const logLevel = params.functionLogLevel ?? env.POWERTOOLS_LOG_LEVEL;
    const logger = createLogger(definition.service, {
      ...(logLevel ? { logLevel } : {}),
      ...(params.functionLogs ? { sink: params.functionLogs } : {}),
    });
    const fn = definition.build(env, {
      logger,
      metrics: createMetrics(definition.service, logger, { publish: false }),
      s3: s3.client,
      sns: alertsClient,
      glue: createLocalPartsCatalog({
        catalog,
        database: reportsConfig.database,
        location: `s3://${resources.DataBucket}/${layout.columnarPrefix}`,
      }),
    });
    built.set(functionName, fn);
    return fn;
  };

  const mappings: LocalEventSourceMapping[] = [];
  const stack: LocalStack = {
    catalog,
    trino: trino.client,
    async runReports(input = {}, { onTask = () => undefined, startTime, definition: given } = {}) {
      const tasks = localReportsTasks({
        reports: reportsConfig,
        layout,
        resources,
        s3: s3.client,
        catalog,
        invoke: (functionName, event) => stack.invoke(functionName, event),
        log,
      });
      return runReportsWorkflow({
        definition: given ?? config.stepFunctions.stateMachines.reports.definition,
        input,
        startTime,
        tasks: observeTasks(tasks, onTask),
      });
    },
    stage,
    brokers,
    auth,
    ownBroker: broker !== undefined,
    brokerNodes: broker?.nodes ?? [],
    topic,
    config,
    layout,
    s3,
    resources,
    async invoke(functionName, event) {
      const { handler } = load(functionName);
      const fn = config.functions[functionName];
      const timeoutSeconds = fn?.timeout ?? config.provider.timeout ?? 6;
      return handler(
        event,
        localContext({ functionName: fn?.name ?? functionName, timeoutMs: timeoutSeconds * 1000 }),
      );
    },
    async startMappings(options = {}) {
      const started: LocalEventSourceMapping[] = [];
      for (const { functionName, settings: configured } of kafkaMappings(config, brokers)) {
        // Each mapping is a consumer group of its own. Stacks on topics of their own (tests on one shared broker)
        // must not share serverless.yml's group: kafkajs's group leader shares out the topics it reads among every
        // member, whatever each subscribed to (kafkajs issue #1679), so one stack's landTicks would be handed the
        // other's partitions and neither would finish.
        const consumerGroupId =
          topic === configured.topic ? configured.consumerGroupId : `${configured.consumerGroupId}-${topic}`;
        const settings = { ...configured, topic, consumerGroupId };
        const invoke = (event: KafkaEventBatch) => stack.invoke(functionName, event);
        const mapping = await startEventSourceMapping({
          settings: {
            ...settings,
            auth,
            consumerGroupId: `${settings.consumerGroupId}${options.consumerGroupSuffix ?? ''}`,
            batchingWindowMs: params.batchingWindowMs ?? settings.batchingWindowMs,
            maxAttempts: options.maxAttempts ?? 5,
            startAt: options.startAt,
            batchSize: options.batchSize ?? settings.batchSize,
          },
          handler: options.wrap ? options.wrap(invoke) : invoke,
          log,
        });
        log(
          `mapping ${settings.topic} → ${functionName} (group ${settings.consumerGroupId}, batch ${options.batchSize ?? settings.batchSize})`,
        );
        started.push(mapping);
      }
      mappings.push(...started);
      return started;
    },
    async stop() {
      for (const mapping of mappings) await mapping.stop();
      for (const fn of built.values()) await fn.close();
      alertsClient.destroy();
      await services.stopAll();
    },
  };
  return stack;
}
