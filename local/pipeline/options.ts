import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAnomaly } from '../../lib/market/simulated/anomalies';
import { TickstreamError } from '../../lib/shared/errors';
import { MINUTE_MS } from '../../lib/shared/time';
import { FIXTURE_SESSION } from './alphavantage-fixtures';
import { LOCAL_RUN_DIR } from './outputs';

/** A mistake on the command line: exit status 2. */
export class UsageError extends TickstreamError {
  override name = 'UsageError';
}

export interface PipelineOptions {
  minutes: number;
  stage: string;
  startMs: number;
  endMs: number;
  out: string;
  replay: boolean;
  /** `alphavantage`: the producers use the Alpha Vantage adapter on the recorded fixtures. */
  source: 'simulated' | 'alphavantage';
  /** Nodes of the run's own Kafka: 1, or 3 (a KRaft cluster replicating each partition three times). */
  brokers: 1 | 3;
  /** Halts and jumps the simulated market makes on purpose (`--halt`, `--jump`), as `SIMULATION_ANOMALIES` text. */
  anomalies: string;
}

/** Parses `npm run pipeline -- …`; a mistake is a UsageError naming the option. */
export function parseOptions(argv: string[]): PipelineOptions {
  let values: {
    minutes: string;
    stage: string;
    start?: string | undefined;
    out?: string | undefined;
    replay: boolean;
    source: string;
    fixtures: boolean;
    brokers: string;
    halt: string[];
    jump: string[];
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string', default: '3' },
        stage: { type: 'string', default: 'dev' },
        start: { type: 'string' },
        out: { type: 'string' },
        replay: { type: 'boolean', default: false },
        source: { type: 'string', default: 'simulated' },
        fixtures: { type: 'boolean', default: false },
        brokers: { type: 'string', default: '1' },
        halt: { type: 'string', multiple: true, default: [] },
        jump: { type: 'string', multiple: true, default: [] },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const minutes = Number(values.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60)
    throw new UsageError(`--minutes must be a whole number from 1 to 1440, got ${values.minutes}`);
  if (values.brokers !== '1' && values.brokers !== '3')
    throw new UsageError(`--brokers must be 1 or 3, got ${values.brokers}`);
  if (values.source !== 'simulated' && values.source !== 'alphavantage')
    throw new UsageError(`--source must be simulated or alphavantage, got ${values.source}`);
  if (values.source === 'alphavantage' && !values.fixtures)
    throw new UsageError(
      '--source alphavantage runs on the recorded fixtures here: add --fixtures (live quotes need a deployed stage and a key)',
    );
  if (values.fixtures && values.source !== 'alphavantage')
    throw new UsageError('--fixtures goes with --source alphavantage');
  const fixtures = values.source === 'alphavantage';
  const anomalies = [
    ...values.halt.map((spec) => `halt:${spec}`),
    ...values.jump.map((spec) => `jump:${spec}`),
  ];
  if (anomalies.length > 0 && fixtures)
    throw new UsageError(
      '--halt and --jump shape the simulated market: they do not go with --source alphavantage',
    );
  for (const anomaly of anomalies) {
    const [option = '', spec = ''] = anomaly.split(/:(.*)/s);
    try {
      parseAnomaly(anomaly);
    } catch {
      throw new UsageError(
        option === 'halt'
          ? `--halt ${spec}: expected SYMBOL@FROM..TO with UTC times, FROM before TO (e.g. MSFT@2026-11-20T15:00Z..2026-11-20T15:10Z)`
          : `--jump ${spec}: expected SYMBOL@AT:+P% with a UTC time and a change above -100% (e.g. AAPL@2026-11-20T15:30Z:+8%)`,
      );
    }
  }
  // Default: the last N whole minutes, so every simulated tick lies in the past; on the fixtures, their session.
  const startMs =
    values.start === undefined
      ? fixtures
        ? FIXTURE_SESSION.startMs
        : Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS
      : Date.parse(values.start);
  if (Number.isNaN(startMs))
    throw new UsageError(
      `--start must be an ISO-8601 instant such as 2026-11-20T14:30:00Z, got ${values.start}`,
    );
  const sessionEnd = FIXTURE_SESSION.startMs + FIXTURE_SESSION.minutes * MINUTE_MS;
  if (fixtures && (startMs < FIXTURE_SESSION.startMs || startMs + minutes * MINUTE_MS > sessionEnd))
    throw new UsageError(
      `the fixtures hold ${FIXTURE_SESSION.minutes} minutes from ${new Date(FIXTURE_SESSION.startMs).toISOString()}: --start and --minutes must stay inside them`,
    );
  return {
    minutes,
    stage: values.stage,
    startMs,
    endMs: startMs + minutes * MINUTE_MS,
    out: resolve(values.out ?? LOCAL_RUN_DIR),
    replay: values.replay,
    source: values.source,
    brokers: values.brokers === '3' ? 3 : 1,
    anomalies: anomalies.join(','),
  };
}

/** How to call the command, shown after a usage error. */
export const USAGE =
  'usage: npm run pipeline -- [--minutes N] [--stage dev] [--start ISO-8601] [--out DIR] [--replay] [--brokers 1|3] [--halt SYMBOL@FROM..TO] [--jump SYMBOL@AT:+P%] [--source alphavantage --fixtures]';
