/**
 * `npm run kafka:start` / `npm run kafka:stop`: a local broker that outlives the command, for
 * `sls invoke local` and manual runs. Its address is written to .cache/kafka-run/current.json.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE_DIR } from '../../support/cache';
import { stopProcess } from '../../support/processes';
import { startBroker } from './broker';
import { ensureKafkaJars, KAFKA_VERSION } from './jars';
import { ensureTopic } from './readiness';

const STATE_FILE = join(CACHE_DIR, 'kafka-run', 'current.json');

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '9092' },
      'controller-port': { type: 'string', default: '9093' },
      topic: { type: 'string', default: 'stock-ticks' },
      partitions: { type: 'string', default: '3' },
    },
  });
  const command = positionals[0];
  if (command === 'start') {
    if (existsSync(STATE_FILE)) {
      const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { brokers: string[] };
      console.log(
        `a local broker is already recorded at ${state.brokers.join(',')}; run npm run kafka:stop first`,
      );
      process.exitCode = 1;
      return;
    }
    const broker = await startBroker({
      workDir: join(CACHE_DIR, 'kafka-run', 'default'),
      port: Number(values.port),
      controllerPort: Number(values['controller-port']),
      detached: true,
    });
    await ensureTopic({
      brokers: broker.brokers,
      topic: values.topic,
      partitions: Number(values.partitions),
    });
    writeFileSync(
      STATE_FILE,
      JSON.stringify({ pid: broker.pid, brokers: broker.brokers, workDir: broker.workDir }),
    );
    console.log(
      `Kafka ${broker.brokers.join(',')} is up (pid ${broker.pid}), topic ${values.topic}; logs in ${broker.workDir}`,
    );
  } else if (command === 'stop') {
    if (!existsSync(STATE_FILE)) {
      console.log('no local broker is recorded as running');
      return;
    }
    const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { pid: number };
    await stopProcess(state.pid);
    rmSync(STATE_FILE);
    console.log(`stopped the local broker (pid ${state.pid})`);
  } else if (command === 'jars') {
    console.log(`Kafka ${KAFKA_VERSION} jars in ${await ensureKafkaJars()}`);
  } else {
    console.error(
      'usage: tsx local/services/kafka/cli.ts start|stop|jars [--port 9092] [--controller-port 9093] [--topic stock-ticks]',
    );
    process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
