import { join, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { loadLocalStackConfig, provideEnvironment } from '../lib/config';
import { CACHE_DIR, ensureTopic, KAFKA_VERSION, startBroker } from './kafka/broker';
import { localContext } from './lambda-context';
import {
  functionEnvironment,
  type ResolvedServerlessConfig,
  resolveServerlessConfig,
} from './serverless-config';

const PROJECT_ROOT = resolve(__dirname, '..');

type Handler = (event: unknown, context: Context) => Promise<unknown>;
type HandlerModule = Record<string, unknown> & { close?: () => Promise<void> };

/** The pipeline on one machine: a real Kafka broker and the project's real handlers, configured by serverless.yml. */
export interface LocalStack {
  stage: string;
  brokers: string[];
  topic: string;
  config: ResolvedServerlessConfig;
  /** Invokes a function's real handler in this process, with the environment serverless.yml gives it. */
  invoke(functionName: string, event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts a broker (unless `KAFKA_BROKERS` names one), creates the topic, and points every handler at them. */
export async function startLocalStack(
  params: {
    stage?: string;
    partitions?: number;
    /** A running broker to use; by default `KAFKA_BROKERS`, else a broker started here. */
    brokers?: string[];
    log?: (line: string) => void;
  } = {},
): Promise<LocalStack> {
  const stage = params.stage ?? 'dev';
  const log = params.log ?? (() => undefined);
  const config = await resolveServerlessConfig(stage);
  const externalBrokers = params.brokers ?? loadLocalStackConfig().externalBrokers;
  const broker = externalBrokers
    ? undefined
    : await startBroker({
        workDir: join(CACHE_DIR, 'kafka-run', `stack-${process.pid}-${Date.now()}`),
        removeOnStop: true,
      });
  const brokers = externalBrokers ?? broker?.brokers ?? [];
  log(
    broker
      ? `started Kafka ${KAFKA_VERSION} (KRaft) at ${brokers.join(',')}`
      : `using Kafka at ${brokers.join(',')}`,
  );

  const modules = new Map<string, HandlerModule>();
  const environments = Object.keys(config.functions).map((name) => functionEnvironment(config, name));
  const topic = environments.find((env) => env.KAFKA_TOPIC)?.KAFKA_TOPIC ?? 'stock-ticks';
  await ensureTopic({ brokers, topic, partitions: params.partitions ?? 3 });
  for (const env of environments) provideEnvironment({ ...env, KAFKA_BROKERS: brokers.join(',') });

  const load = async (functionName: string): Promise<Handler> => {
    const fn = config.functions[functionName];
    if (!fn) throw new Error(`serverless.yml has no function ${functionName}`);
    const exportIndex = fn.handler.lastIndexOf('.');
    const file = resolve(PROJECT_ROOT, fn.handler.slice(0, exportIndex));
    const exportName = fn.handler.slice(exportIndex + 1);
    let module = modules.get(file);
    if (!module) {
      module = (await import(file)) as HandlerModule;
      modules.set(file, module);
    }
    const handler = module[exportName];
    if (typeof handler !== 'function') throw new Error(`${fn.handler} does not export a function`);
    return handler as Handler;
  };

  const stack: LocalStack = {
    stage,
    brokers,
    topic,
    config,
    async invoke(functionName, event) {
      const handler = await load(functionName);
      const fn = config.functions[functionName];
      const timeoutSeconds = fn?.timeout ?? config.provider.timeout ?? 6;
      return handler(
        event,
        localContext({ functionName: fn?.name ?? functionName, timeoutMs: timeoutSeconds * 1000 }),
      );
    },
    async stop() {
      for (const module of modules.values()) await module.close?.();
      await broker?.stop();
    },
  };
  return stack;
}
