import type {
  BatchDeletePartitionCommand,
  BatchDeletePartitionCommandOutput,
  GetPartitionsCommand,
  GetPartitionsCommandOutput,
} from '@aws-sdk/client-glue';
import type { PartsCatalog } from '../../lib/reports/move';
import type { LocalHiveCatalog } from '../services/trino/hive-catalog';
import { sqlName, sqlString } from '../services/trino/sql';

/**
 * The Glue calls moveTicks makes on the columnar table, answered from the local Trino's catalog: GetPartitions
 * (with a `dt = '…'` expression, as moveTicks sends it) from the table's `$partitions`, each at the folder an
 * INSERT writes it to, and BatchDeletePartition as Trino's `unregister_partition` (metadata only: Glue keeps
 * the files too).
 */
export function createLocalPartsCatalog(params: {
  catalog: LocalHiveCatalog;
  database: string;
  /** The columnar table's location (`s3://bucket/prefix`). */
  location: string;
}): PartsCatalog {
  const { catalog, database, location } = params;
  const session = { catalog: catalog.name, schema: database };
  const send = async (command: GetPartitionsCommand | BatchDeletePartitionCommand) => {
    const table = command.input.TableName ?? '';
    if ('PartitionsToDelete' in command.input) {
      for (const partition of command.input.PartitionsToDelete ?? []) {
        const [dt = '', part = ''] = partition.Values ?? [];
        await catalog.client.query(
          `CALL system.unregister_partition(${sqlString(database)}, ${sqlString(table)}, ARRAY['dt', 'part'], ARRAY[${sqlString(dt)}, ${sqlString(part)}])`,
          session,
        );
      }
      return { Errors: [] } as unknown as BatchDeletePartitionCommandOutput;
    }
    const day = (command.input as { Expression?: string }).Expression?.match(
      /^dt = '(\d{4}-\d{2}-\d{2})'$/,
    )?.[1];
    if (day === undefined)
      throw new RangeError("the local GetPartitions takes only an expression dt = 'YYYY-MM-DD'");
    const result = await catalog.client.query(
      `SELECT dt, part FROM ${sqlName(`${table}$partitions`)} WHERE dt = ${sqlString(day)}`,
      session,
    );
    return {
      Partitions: result.rows.map(([dt, part]) => ({
        Values: [String(dt), String(part)],
        StorageDescriptor: { Location: `${location}/dt=${dt}/part=${part}` },
      })),
    } as unknown as GetPartitionsCommandOutput;
  };
  return { send } as PartsCatalog;
}
