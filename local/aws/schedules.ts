import { MINUTE_MS } from '../../lib/shared/time';
import type { ResolvedServerlessConfig } from '../stack/serverless-config';

/** A `schedule` event of a function, as the local clock fires it. */
export interface LocalSchedule {
  functionName: string;
  name: string;
  everyMinutes: number;
  enabled: boolean;
  /** Builds the event the target receives when the rule fires at `time`. */
  eventAt(time: Date): unknown;
}

interface ScheduleEventConfig {
  name?: string;
  rate: string | string[];
  enabled?: boolean;
  input?: unknown;
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MINUTES: Record<string, number> = {
  minute: 1,
  minutes: 1,
  hour: 60,
  hours: 60,
  day: 1440,
  days: 1440,
};

/** Minutes between firings of a `rate(...)` expression; cron expressions are not run locally. */
export function rateToMinutes(expression: string): number {
  const match = RATE.exec(expression);
  const unit = match?.[2];
  if (!match || unit === undefined)
    throw new Error(`unsupported schedule expression for the local clock: ${expression}`);
  return Number(match[1]) * (UNIT_MINUTES[unit] ?? Number.NaN);
}

/** The EventBridge "Scheduled Event" a rule emits at an instant (time without milliseconds, as AWS sends it). */
export function scheduledEvent(params: { time: Date; ruleName: string; account?: string; region?: string }) {
  const { time, ruleName, account = '000000000000', region = 'us-east-1' } = params;
  return {
    version: '0',
    id: `local-${ruleName}-${time.getTime()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/${ruleName}`],
    detail: {},
  };
}

function valueAtPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  return path
    .replace(/^\$\./, '')
    .split('.')
    .reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
      value,
    );
}

/**
 * Applies an EventBridge input transformer: each `<name>` placeholder becomes the value at its path, strings
 * quoted as JSON (as EventBridge does for placeholders outside quotes in a JSON template).
 */
export function applyInputTransformer(
  transformer: NonNullable<ScheduleEventConfig['inputTransformer']>,
  event: unknown,
): unknown {
  const rendered = transformer.inputTemplate.replace(/<([A-Za-z0-9_]+)>/g, (_placeholder, name: string) => {
    const path = transformer.inputPathsMap?.[name];
    if (path === undefined) throw new Error(`input template placeholder <${name}> is not in inputPathsMap`);
    return JSON.stringify(valueAtPath(event, path) ?? null);
  });
  return JSON.parse(rendered);
}

/** Every schedule event in the resolved config, with what its rule would send. */
export function localSchedules(config: Pick<ResolvedServerlessConfig, 'functions'>): LocalSchedule[] {
  const schedules: LocalSchedule[] = [];
  for (const [functionName, fn] of Object.entries(config.functions)) {
    for (const [index, event] of (fn.events ?? []).entries()) {
      const schedule = event.schedule as ScheduleEventConfig | string | undefined;
      if (schedule === undefined) continue;
      const spec: ScheduleEventConfig = typeof schedule === 'string' ? { rate: schedule } : schedule;
      const rates = Array.isArray(spec.rate) ? spec.rate : [spec.rate];
      const name = spec.name ?? `${functionName}-schedule-${index + 1}`;
      for (const rate of rates) {
        schedules.push({
          functionName,
          name,
          everyMinutes: rateToMinutes(rate),
          enabled: spec.enabled !== false,
          eventAt(time) {
            const event = scheduledEvent({ time, ruleName: name });
            if (spec.inputTransformer) return applyInputTransformer(spec.inputTransformer, event);
            if (spec.input !== undefined)
              return typeof spec.input === 'string' ? JSON.parse(spec.input) : spec.input;
            return event;
          },
        });
      }
    }
  }
  return schedules;
}

/** One invocation EventBridge would make: a schedule at a minute. */
export interface Firing {
  time: Date;
  schedule: LocalSchedule;
}

/** The firings in [startMs, endMs) of the enabled schedules, in time order: what EventBridge would invoke. */
export function firingsBetween(params: {
  schedules: readonly LocalSchedule[];
  startMs: number;
  endMs: number;
}): Firing[] {
  const firings: Firing[] = [];
  const firstMinute = Math.ceil(params.startMs / MINUTE_MS);
  for (let minute = firstMinute; minute * MINUTE_MS < params.endMs; minute++) {
    for (const schedule of params.schedules) {
      if (schedule.enabled && minute % schedule.everyMinutes === 0) {
        firings.push({ time: new Date(minute * MINUTE_MS), schedule });
      }
    }
  }
  return firings;
}
