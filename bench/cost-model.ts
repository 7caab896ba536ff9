/**
 * `npm run cost`: the monthly AWS cost of a stage at 100 symbols x 1 tick/s, from the landing path's measured
 * object count and bytes (the production landing of bench/landing-model.ts) and us-east-1 list prices.
 * Prints a table and, as its last line, the JSON model.
 */
import { measureProductionLanding } from './landing-model';

/** us-east-1 on-demand list prices, as of 2026-11 (USD). */
const PRICES = {
  natGatewayHour: 0.045,
  natGatewayGb: 0.045,
  ec2Hour: { 't3.small': 0.0208, 'm6i.large': 0.096 } as Record<string, number>,
  ebsGbMonth: 0.08,
  s3StandardGbMonth: 0.023,
  s3PutPer1000: 0.005,
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  glueDpuHour: 0.44,
  athenaPerTb: 5,
  stepFunctionsPer1000Transitions: 0.025,
  alarm: 0.1,
};
const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const TICKS_PER_SECOND = 100;

interface StageShape {
  brokerInstanceType: string;
  brokerVolumesGb: number;
  reportRunsPerMonth: number;
}

const STAGES: Record<string, StageShape> = {
  dev: { brokerInstanceType: 't3.small', brokerVolumesGb: 16 + 50, reportRunsPerMonth: HOURS_PER_MONTH },
  prod: { brokerInstanceType: 'm6i.large', brokerVolumesGb: 16 + 200, reportRunsPerMonth: HOURS_PER_MONTH },
};

async function main(): Promise<void> {
  const landing = await measureProductionLanding({ gzipLevel: 6 });
  const bytesPerTick = landing.bytes / landing.ticks;
  const putsPerTick = landing.puts / landing.ticks;
  const ticksPerMonth = TICKS_PER_SECOND * SECONDS_PER_MONTH;
  const gbPerMonth = (ticksPerMonth * bytesPerTick) / 1e9;
  const gbPerDay = gbPerMonth / 30.4;

  const model = Object.fromEntries(
    Object.entries(STAGES).map(([stage, shape]) => {
      const items: Record<string, number> = {
        natGateway: PRICES.natGatewayHour * HOURS_PER_MONTH + PRICES.natGatewayGb * gbPerMonth * 2,
        broker:
          (PRICES.ec2Hour[shape.brokerInstanceType] ?? 0) * HOURS_PER_MONTH +
          PRICES.ebsGbMonth * shape.brokerVolumesGb,
        // A month's landed data, stored for the month (it accumulates: month n stores n times this).
        s3:
          (ticksPerMonth * putsPerTick * PRICES.s3PutPer1000) / 1000 + gbPerMonth * PRICES.s3StandardGbMonth,
        // Producers: 2 schedules a minute, ~0.3 s at 512 MB; landTicks: one 60 s batch per partition-minute, ~0.1 s at 1 GB.
        lambda:
          (2 * 60 * HOURS_PER_MONTH * 0.3 * 0.5 + 3 * 60 * HOURS_PER_MONTH * 0.1 * 1) *
            PRICES.lambdaArmGbSecond +
          ((5 * 60 * HOURS_PER_MONTH) / 1e6) * PRICES.lambdaPerMillionRequests,
        // Each crawl bills at least 10 minutes of 1 DPU.
        glueCrawler: shape.reportRunsPerMonth * (10 / 60) * PRICES.glueDpuHour,
        // 7 reports per run, each reading on average half the day's partition (Athena bills at least 10 MB).
        athena: shape.reportRunsPerMonth * 7 * Math.max(gbPerDay / 2, 0.01) * (PRICES.athenaPerTb / 1000),
        stepFunctions: (shape.reportRunsPerMonth * 40 * PRICES.stepFunctionsPer1000Transitions) / 1000,
        alarms: 5 * PRICES.alarm,
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
    `100 symbols x 1 tick/s: ${(ticksPerMonth / 1e6).toFixed(0)} M ticks, ${gbPerMonth.toFixed(2)} GB landed per month\n`,
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
  console.log(
    JSON.stringify({
      bytesPerTick: Number(bytesPerTick.toFixed(2)),
      putsPerMillionTicks: Math.round(putsPerTick * 1e6),
      gbPerMonth: Number(gbPerMonth.toFixed(2)),
      stages: model,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
