import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One `npm run bench:e2e` run, as it prints and keeps it (`--save <name>`). */
export interface E2eRun {
  brokers: number;
  targetTicksPerSecond: number;
  seconds: number;
  produced: number;
  lost: number;
  duplicated: number;
  producedPerSecond: number;
  producedOfTarget: number;
  brokerCpuSecondsPerTick: number;
}

/** What `--save` keeps: the command, when, and its result (`e2e`, and with `--brokers both` the one-broker run). */
export interface SavedE2e {
  date: string;
  command: string;
  e2e: E2eRun;
  oneBroker?: E2eRun;
  threeBrokersOfOne?: number;
}

/**
 * The kept measurements of the broker cluster: `sustained` (three brokers holding a target rate) and `saturation`
 * (one broker, then three, at a target neither holds: the highest rates they held). A missing one fails, saying how
 * to make it.
 */
export function readMeasuredE2e(name: 'sustained' | 'saturation'): SavedE2e {
  const file = join(__dirname, 'measured', `e2e-${name}.json`);
  const command = {
    sustained: 'npm run bench:e2e -- --brokers 3 --rate 5000 --seconds 300 --save sustained',
    saturation: 'npm run bench:e2e -- --brokers both --rate 40000 --seconds 60 --save saturation',
  }[name];
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SavedE2e;
  } catch (error) {
    throw new Error(`${file} is missing or unreadable: run ${command}`, { cause: error });
  }
}
