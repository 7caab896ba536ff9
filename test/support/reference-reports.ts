import { type AnyTick, isTick, TICK_SCHEMA_V2, TICK_SCHEMA_VERSION } from '../../lib/contract/tick';
import { landBatch } from '../../lib/land/write';
import { loadReports } from '../../lib/reports/catalog';
import { withScratchCatalog } from '../../local/stack/scratch-catalog';
import { kafkaEvent } from '../fixtures/kafka-events';

/**
 * What every report says about `day` when `ticks` land exactly once: the ticks go through the real landing path
 * into a scratch bucket of their own, one record each, and the report SQL runs over them as the workflow runs it.
 * The reference a pipeline that met re-deliveries must equal; tick.v1 and tick.v2 alike. Returns each report's CSV by name.
 */
export async function referenceReports(
  ticks: readonly AnyTick[],
  day: string,
): Promise<Record<string, string>> {
  const bucket = 'reference-data';
  return withScratchCatalog(
    {
      bucket,
      fill: async (client) => {
        await landBatch({
          batch: kafkaEvent(
            ticks.map((value, offset) => ({
              partition: 0,
              offset,
              value,
              // Each tick with the version its producer would send: tick.v1 when it is one, else tick.v2.
              schema: isTick(value) ? TICK_SCHEMA_VERSION : TICK_SCHEMA_V2,
            })),
          ),
          s3: client,
          bucket,
        });
      },
    },
    async (query) => {
      const csv: Record<string, string> = {};
      for (const report of loadReports()) csv[report.name] = (await query(report.sql, day)).csv;
      return csv;
    },
  );
}
