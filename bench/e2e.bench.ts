/**
 * `npm run bench:e2e`: the whole local pipeline under load. Publishes simulated ticks through the real kafkajs
 * publisher at a target rate (default 20,000 ticks/s for 60 s) to the real local broker, while the local event
 * source mapping invokes the real landTicks handler into the local S3; then audits the bucket for lost and
 * duplicated ticks and reports produce→landed latency (Kafka record time to the end of the landing batch).
 * The broker listens as deployed (SASL_SSL, SCRAM-SHA-512); `--security plaintext` measures without TLS and
 * SCRAM, and `--security both` runs plaintext then SASL_SSL and gives their ratio (the cost of the security,
 * measured in one run). `--brokers 3` runs on a local three-node KRaft cluster (replication factor 3,
 * min.insync.replicas 2, as prod); `--brokers both` runs one broker, then three, and gives their ratio.
 * Prints the JSON result as its last line.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KafkaEventBatch } from '../lib/contract/kafka-event';
import { simulateTicks } from '../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../lib/market/simulated/symbols';
import { createTickPublisher } from '../lib/produce/publisher';
import { sleep } from '../lib/shared/time';
import { createProgress } from '../local/pipeline/progress';
import { endOffsets } from '../local/services/kafka/topic';
import { auditDataBucket } from '../local/stack/bucket-audit';
import { startLocalStack } from '../local/stack/local-stack';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

type Security = 'sasl_ssl' | 'plaintext';

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds (user + system) the processes have used so far, from /proc/<pid>/stat. */
function brokerCpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / USER_HZ;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '20000' },
      seconds: { type: 'string', default: '60' },
      security: { type: 'string', default: 'sasl_ssl' },
      brokers: { type: 'string', default: '1' },
      /** Keep the result as bench/measured/e2e-<name>.json (the scale model of `npm run cost` reads them). */
      save: { type: 'string' },
    },
  });
  const output = (result: object) => {
    console.log(JSON.stringify(result));
    if (values.save) {
      const file = join(__dirname, 'measured', `e2e-${values.save}.json`);
      const command = `npm run bench:e2e -- ${process.argv.slice(2).join(' ')}`;
      writeFileSync(
        file,
        `${JSON.stringify({ date: new Date().toISOString(), command, ...result }, null, 2)}\n`,
      );
    }
  };
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  if (values.brokers === 'both') {
    if (values.security !== 'sasl_ssl')
      throw new Error('--brokers both runs with the default --security only');
    // One process per cluster, as for --security both.
    const one = await measureInChild({ rate, seconds, security: 'sasl_ssl', brokers: 1 });
    const three = await measureInChild({ rate, seconds, security: 'sasl_ssl', brokers: 3 });
    output({
      e2e: three,
      oneBroker: one,
      /** Three brokers' produce rate as a share of one broker's, measured one after the other in this run. */
      threeBrokersOfOne: Number((three.producedPerSecond / one.producedPerSecond).toFixed(3)),
    });
    return;
  }
  const brokers = Number(values.brokers);
  if (brokers !== 1 && brokers !== 3)
    throw new Error(`--brokers must be 1, 3 or both, not ${values.brokers}`);
  const modes: Record<string, Security[]> = {
    sasl_ssl: ['sasl_ssl'],
    plaintext: ['plaintext'],
    both: ['plaintext', 'sasl_ssl'],
  };
  const runs = modes[values.security];
  if (!runs) throw new Error(`--security must be sasl_ssl, plaintext or both, not ${values.security}`);
  if (runs.length === 1) {
    output({ e2e: await measure({ rate, seconds, security: runs[0] as Security, brokers }) });
    return;
  }
  // One process per mode: the handlers read their settings once per module, as on Lambda, so a second stack
  // in this process would find them pointed at the first one's broker.
  const measured: E2eResult[] = [];
  for (const security of runs) measured.push(await measureInChild({ rate, seconds, security, brokers }));
  const [plaintext, secure] = measured;
  if (!plaintext || !secure) throw new Error('a measurement is missing');
  output({
    e2e: secure,
    plaintext,
    /** SASL_SSL's produce rate as a share of plaintext's, measured one after the other in this run. */
    saslSslOfPlaintext: Number((secure.producedPerSecond / plaintext.producedPerSecond).toFixed(3)),
  });
}

type E2eResult = Awaited<ReturnType<typeof measure>>;

/** Runs this benchmark for one mode in a child process (progress on this stderr) and returns its result. */
async function measureInChild(params: {
  rate: number;
  seconds: number;
  security: Security;
  brokers: number;
}): Promise<E2eResult> {
  const args = [
    ...process.execArgv,
    process.argv[1] as string,
    '--rate',
    String(params.rate),
    '--seconds',
    String(params.seconds),
    '--security',
    params.security,
    '--brokers',
    String(params.brokers),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0)
    throw new Error(`the ${params.security} run on ${params.brokers} broker(s) failed (exit ${code})`);
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return (JSON.parse(last) as { e2e: E2eResult }).e2e;
}

async function measure(params: { rate: number; seconds: number; security: Security; brokers: number }) {
  const { rate, seconds, security, brokers } = params;
  const profiles = [...SYMBOL_PROFILES.values()];
  const progress = createProgress({
    stream: process.stderr,
    prefix: `[e2e ${security}${brokers > 1 ? `, ${brokers} brokers` : ''}] `,
  });
  const starting = progress.phase('stack');
  // Function logs at WARN: a healthy run stays quiet; a quarantine or a retry shows.
  const stack = await startLocalStack({
    stage: 'dev',
    batchingWindowMs: 200,
    functionLogLevel: 'WARN',
    brokerSecurity: security,
    brokerNodes: brokers,
    ownBroker: true,
  });
  starting.done(`Kafka at ${stack.brokers.join(',')}${stack.auth.sasl ? ' (SASL_SSL, SCRAM-SHA-512)' : ''}`);
  try {
    const latencies: number[] = [];
    const [mapping] = await stack.startMappings({
      consumerGroupSuffix: `-e2e-${Date.now()}`,
      wrap: (invoke) => async (event: KafkaEventBatch) => {
        const result = await invoke(event);
        const landedAt = Date.now();
        for (const records of Object.values(event.records))
          for (const record of records) latencies.push(landedAt - record.timestamp);
        return result;
      },
    });
    const publisher = createTickPublisher({
      settings: {
        brokers: stack.brokers,
        ...stack.auth,
        topic: stack.topic,
        clientId: 'e2e',
        connectionTimeoutMs: 3000,
        requestTimeoutMs: 30_000,
        sendTimeoutMs: 30_000,
        retries: 5,
      },
      batchSize: 5000,
    });
    const before = await endOffsets(stack);
    const cpuBefore = brokerCpuSeconds(stack.brokerNodes.map((node) => node.pid));
    // Simulated time starts at a fixed instant: every tick of the run is distinct (symbol, timestamp).
    const simulatedStart = Date.parse('2026-11-20T14:30:00Z');
    const ticksPerSymbolPerSecond = Math.ceil(rate / profiles.length);
    let produced = 0;
    const started = Date.now();
    const producing = progress.phase('produce', seconds);
    // Progress in wall-clock seconds (what a person waits), with the simulated seconds sent so far: when the
    // producer cannot keep the rate, the two drift apart and the achieved rate drops below the target.
    let lastReport = started;
    for (let second = 0; second < seconds; second++) {
      // One simulated second of ticks, sent in ten slices to keep the rate smooth.
      const secondStart = simulatedStart + second * 1000;
      const ticks = simulateTicks({
        seed: 'e2e',
        profiles,
        startMs: secondStart,
        endMs: secondStart + 1000,
        ticksPerSecond: ticksPerSymbolPerSecond,
      });
      const sliceSize = Math.ceil(ticks.length / 10);
      for (let slice = 0; slice < 10; slice++) {
        const part = ticks.slice(slice * sliceSize, (slice + 1) * sliceSize);
        await publisher.publish({ ticks: part, source: 'bench/e2e' });
        produced += part.length;
        const wait = started + second * 1000 + (slice + 1) * 100 - Date.now();
        if (wait > 0) await sleep(wait);
      }
      const wallSeconds = (Date.now() - started) / 1000;
      const detail = `${wallSeconds.toFixed(0)} s wall, ${second + 1} simulated s, ${Math.round(produced / wallSeconds)} ticks/s`;
      producing.update(second + 1, detail);
      if (!process.stderr.isTTY && Date.now() - lastReport >= 10_000) {
        progress.note(`${detail}, ${mapping?.stats.invocations} landTicks invocations`);
        lastReport = Date.now();
      }
    }
    const produceSeconds = (Date.now() - started) / 1000;
    producing.done(
      `${produced} ticks in ${produceSeconds.toFixed(1)} s (${Math.round(produced / produceSeconds)} ticks/s)`,
    );
    const landing = progress.phase('land');
    await mapping?.waitFor(await endOffsets(stack), 300_000);
    const landSeconds = (Date.now() - started) / 1000;
    landing.done(`landed ${landSeconds.toFixed(1)} s after the first send`);
    await publisher.disconnect();
    const brokerCpu = brokerCpuSeconds(stack.brokerNodes.map((node) => node.pid)) - cpuBefore;
    const messages = [...(await endOffsets(stack))].reduce(
      (sum, [p, end]) => sum + Number(end - (before.get(p) ?? 0n)),
      0,
    );
    const audit = await auditDataBucket({
      client: stack.s3.client,
      bucket: stack.resources.DataBucket as string,
      layout: stack.layout,
    });
    latencies.sort((a, b) => a - b);
    return {
      security,
      brokers,
      targetTicksPerSecond: rate,
      seconds,
      produced,
      messages,
      landed: audit.landed,
      // By Kafka record (topic, partition, offset): a record in the topic that never landed is lost, one landed
      // twice is duplicated. (By tick identity, ticks of one symbol less than 1 ms apart share a timestamp.)
      lost: messages - audit.records,
      duplicated: audit.landed - audit.records,
      /** Records in Kafka beyond the ticks produced: a producer retry that wrote a batch twice. */
      kafkaDuplicates: messages - produced,
      produceSeconds: Number(produceSeconds.toFixed(3)),
      producedPerSecond: Math.round(produced / produceSeconds),
      /** The achieved produce rate as a share of the target: below 1, the producer could not keep up. */
      producedOfTarget: Number((produced / produceSeconds / rate).toFixed(3)),
      landedPerSecond: Math.round(audit.landed / landSeconds),
      objects: audit.objects,
      landInvocations: mapping?.stats.invocations,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) },
      /** The brokers' CPU (all nodes, user + system) from the first send to the last record landed. */
      brokerCpuSeconds: Number(brokerCpu.toFixed(2)),
      brokerCpuSecondsPerTick: Number((brokerCpu / produced).toPrecision(4)),
    };
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
