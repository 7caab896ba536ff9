import { type HiveType, SQL_TYPE_OF_HIVE, UNIQUE_TICKS_VIEW } from './catalog';

/**
 * The columnar table: the landed ticks as Parquet, partitioned by `dt` and `part`. Each run of the reports
 * workflow moves what has landed into a new part of its day (each tick once in a part; docs/reports.md,
 * "Columnar through the day"), and a finished day is rewritten as one part. A part becomes visible to readers in
 * one catalog call, when its INSERT registers it.
 */
export const COLUMNAR_TICKS_TABLE = 'stock_ticks_columnar';

/** The landed ticks' table, as the crawler names it after the landing folder. */
export const LANDED_TICKS_TABLE = 'stock_ticks';

/** A columnar column: its name (the view's) and its Hive type (as Glue records it). */
export interface ColumnarColumn {
  name: string;
  type: Exclude<HiveType, 'boolean'>;
}

/**
 * The columnar table's columns, in the view's order; `dt` and `part` are its partition keys. Prices are kept as
 * doubles: a landed price (at most 6 decimals) converts to the view's decimal(18,6) exactly, and Parquet keeps
 * doubles smaller than the same prices as decimals (measured in BENCHMARKS.md).
 */
export const COLUMNAR_COLUMNS: readonly ColumnarColumn[] = [
  { name: 'symbol', type: 'string' },
  { name: 'price', type: 'double' },
  { name: 'volume', type: 'bigint' },
  { name: 'timestamp', type: 'string' },
  { name: 'market_cap', type: 'double' },
  { name: 'pe_ratio', type: 'double' },
  { name: 'bid', type: 'double' },
  { name: 'ask', type: 'double' },
  { name: 'exchange', type: 'string' },
  { name: 'seq', type: 'bigint' },
  { name: 'kafka_topic', type: 'string' },
  { name: 'kafka_partition', type: 'int' },
  { name: 'kafka_offset', type: 'bigint' },
];

/** The columnar table's partition keys, in order. */
export const COLUMNAR_PARTITION_KEYS = ['dt', 'part'] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PART = /^\d{8}T\d{9}Z$/;

/**
 * A part's name: the UTC instant it was planned, to the millisecond (`20261120T130500123Z`). Names sort in time
 * order and below the view's `landed` rank, so a later part beats an earlier one and a landed copy beats both.
 */
export function partName(instant: Date): string {
  return instant.toISOString().replace(/[-:.]/g, '');
}

function checked(day: string, part: string): void {
  if (!DAY.test(day)) throw new RangeError(`day must be YYYY-MM-DD, got ${day}`);
  if (!PART.test(part)) throw new RangeError(`part must be like 20261120T130500123Z, got ${part}`);
}

const columnList = (expression: (column: ColumnarColumn) => string) =>
  COLUMNAR_COLUMNS.map((column) => `  ${expression(column)} AS "${column.name}"`).join(',\n');

const castTo = (column: ColumnarColumn, value: string) =>
  `CAST(${value} AS ${SQL_TYPE_OF_HIVE[column.type]})`;

/**
 * The INSERT of a move: the day's landed ticks, each once (the highest Kafka partition and offset of its copies,
 * as the view ranks landed copies), as a new part; a copy an earlier part holds (the same Kafka record) is left
 * out. Rows come out by symbol and time (the window's order), which keeps the part's columns small. The day and part are literals (Athena takes execution
 * parameters only in WHERE clauses, and the part is a value in the SELECT); both are checked here.
 */
export function columnarPartInsert(day: string, part: string): string {
  checked(day, part);
  // Nullable numbers of tick.v2 lines may have been crawled as strings: cast through TRY_CAST as the view does.
  const landed = (column: ColumnarColumn) =>
    ['volume', 'market_cap', 'pe_ratio', 'bid', 'ask'].includes(column.name)
      ? castTo(column, `TRY_CAST("${column.name}" AS ${SQL_TYPE_OF_HIVE[column.type]})`)
      : castTo(column, `"${column.name}"`);
  return [
    `INSERT INTO ${COLUMNAR_TICKS_TABLE}`,
    'SELECT',
    `${columnList((column) => `"${column.name}"`)},`,
    '  dt,',
    `  '${part}' AS part`,
    'FROM (',
    '  SELECT',
    `  ${columnList(landed).replaceAll('\n', '\n  ')},`,
    '    dt,',
    '    lag("timestamp") OVER (',
    '      PARTITION BY symbol',
    '      ORDER BY "timestamp", kafka_partition DESC NULLS LAST, kafka_offset DESC NULLS LAST',
    '    ) AS previous_timestamp',
    `  FROM ${LANDED_TICKS_TABLE}`,
    `  WHERE dt = '${day}'`,
    ') AS landed',
    'WHERE previous_timestamp IS DISTINCT FROM "timestamp"',
    // A landed copy an earlier part already holds (its object stays in the landing folder for a while after its
    // move: docs/reports.md) is not written again.
    '  AND NOT EXISTS (',
    `    SELECT 1 FROM ${COLUMNAR_TICKS_TABLE} AS moved`,
    `    WHERE moved.dt = '${day}'`,
    '      AND moved.symbol = landed.symbol',
    '      AND moved."timestamp" = landed."timestamp"',
    '      AND moved.kafka_partition = landed.kafka_partition',
    '      AND moved.kafka_offset = landed.kafka_offset',
    '  )',
  ].join('\n');
}

/**
 * The INSERT that compacts a finished day: the view's rows of the day (each tick once, whatever part or landed
 * object holds it) as one new part, which then outranks every older part of the day until they are dropped.
 */
export function compactionInsert(day: string, part: string): string {
  checked(day, part);
  return [
    `INSERT INTO ${COLUMNAR_TICKS_TABLE}`,
    'SELECT',
    `${columnList((column) => castTo(column, `"${column.name}"`))},`,
    '  dt,',
    `  '${part}' AS part`,
    `FROM ${UNIQUE_TICKS_VIEW}`,
    `WHERE dt = '${day}'`,
  ].join('\n');
}

/** The DDL of the columnar table (Trino's dialect), as CloudFormation's AWS::Glue::Table defines it on AWS. */
export function columnarTableDdl(location: string): string {
  const columns = COLUMNAR_COLUMNS.map((column) => `"${column.name}" ${SQL_TYPE_OF_HIVE[column.type]}`);
  const keys = COLUMNAR_PARTITION_KEYS.map((key) => `${key} varchar`);
  return `CREATE TABLE ${COLUMNAR_TICKS_TABLE} (${[...columns, ...keys].join(', ')}) WITH (format = 'PARQUET', partitioned_by = ARRAY[${COLUMNAR_PARTITION_KEYS.map((key) => `'${key}'`).join(', ')}], external_location = '${location.replaceAll("'", "''")}')`;
}
