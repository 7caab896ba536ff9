import type { AnyTick } from '../../lib/contract/tick';
import { simulatedLiveSource } from '../../lib/market/simulated/source';
import { ProduceTicksRequestSchema, produceMinute } from '../../lib/produce/produce-minute';
import type { TickPublisher } from '../../lib/produce/publisher';
import type { RunManifest } from '../../lib/reports/publish-reports';
import { parseRequest } from '../../lib/shared/request';
import { readS3Text } from '../../local/services/s3/s3';
import type { LocalStack } from '../../local/stack/local-stack';

/** A publisher that keeps what it is given: the ticks an invocation publishes, without Kafka. */
export function capturing(into: AnyTick[]): TickPublisher {
  return {
    topic: 'captured',
    async publish({ ticks }) {
      into.push(...ticks);
      return { published: ticks.length, sends: 1 };
    },
    async disconnect() {},
  };
}

/** The simulation seed the stack's produceTicks runs with. */
export function simulationSeed(stack: LocalStack): string {
  return String(stack.config.functions.produceTicks?.environment?.SIMULATION_SEED);
}

/** The ticks a produceTicks event publishes (the simulator is a pure function of seed, symbols and minute). */
export async function ticksOf(seed: string, event: unknown): Promise<AnyTick[]> {
  const ticks: AnyTick[] = [];
  const request = parseRequest(ProduceTicksRequestSchema, 'produceTicks request', event);
  await produceMinute({ request, source: simulatedLiveSource({ seed }), publisher: capturing(ticks) });
  return ticks;
}

/** Runs the stack's reports workflow; returns its manifests and each published report's CSV by day, then name. */
export async function runReportsCsv(
  stack: LocalStack,
  input: { day?: string },
  startTime?: Date,
): Promise<{
  manifests: RunManifest[];
  csv: Record<string, Record<string, string>>;
  days: [string, boolean][];
}> {
  const outcome = await stack.runReports(input, startTime ? { startTime } : {});
  if (outcome.status !== 'SUCCEEDED') throw new Error(`workflow ${outcome.error}: ${outcome.cause}`);
  const { manifests } = outcome.output as { manifests: RunManifest[] };
  const csv: Record<string, Record<string, string>> = {};
  for (const manifest of manifests) {
    const day: Record<string, string> = {};
    for (const report of manifest.reports)
      day[report.name] = await readS3Text(stack.s3.client, report.object);
    csv[manifest.day] = day;
  }
  return { manifests, csv, days: manifests.map((manifest) => [manifest.day, manifest.final]) };
}
