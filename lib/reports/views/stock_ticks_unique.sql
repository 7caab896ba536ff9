-- stock_ticks_unique: every tick once. The reports read this view, never the tables under it.
-- A tick is identified by (symbol, timestamp) (docs/design.md, "Tick identity"). Its copies live in two tables: the
-- columnar table (stock_ticks_columnar, Parquet, one part per move: docs/reports.md, "Columnar through the day")
-- and the landed objects not moved yet (stock_ticks, gzipped NDJSON). The copy received last counts: a copy
-- still in the landing folder beats every moved copy, a later part beats an earlier one, and among landed copies
-- the highest Kafka (partition, offset) wins, the record the topic received last, as a compacted topic would.
-- A move writes each tick once per part, so the columnar side ranks by its part alone and never reads the
-- lineage columns: a report reads only the columns it names, plus symbol and timestamp.
-- Prices are decimals (prices are exact decimals at the source): the reports sum and divide them exactly, so the
-- same ticks give the same bytes whatever the files, splits or order the engine reads them in. A price carries at
-- most 6 decimals (a source with more is rounded half up at the sixth).
-- The copies of a tick are neighbours in the window's order (a symbol's ticks by time, the winning copy first), so
-- the first of each timestamp is the one that counts; the rows come out in (symbol, time) order, which is also
-- the order a compacted part is written in (Parquet keeps a symbol's prices and times small that way).
-- dt leads the window's partition so `WHERE dt = ?` prunes partitions through it. Created (or replaced) by the
-- reports workflow before the reports run, in Athena and in the local stand-in alike; Athena DDL strings must not
-- start with a comment, so the catalog sends it from CREATE on.
-- tick.v1 and tick.v2 lines share the landing table: a crawl that saw only nulls in a column may have typed it
-- string, so the landed side casts the nullable numbers (TRY_CAST: a null stays null).
CREATE OR REPLACE VIEW stock_ticks_unique AS
SELECT
  symbol,
  price,
  volume,
  "timestamp",
  market_cap,
  pe_ratio,
  bid,
  ask,
  exchange,
  seq,
  kafka_topic,
  kafka_partition,
  kafka_offset,
  dt
FROM (
  SELECT
    *,
    lag("timestamp") OVER (
      PARTITION BY dt, symbol
      ORDER BY "timestamp", copy_rank DESC, copy_partition DESC NULLS LAST, copy_offset DESC NULLS LAST
    ) AS previous_timestamp
  FROM (
    SELECT
      symbol,
      CAST(price AS decimal(18, 6)) AS price,
      volume,
      "timestamp",
      market_cap,
      pe_ratio,
      CAST(bid AS decimal(18, 6)) AS bid,
      CAST(ask AS decimal(18, 6)) AS ask,
      exchange,
      seq,
      kafka_topic,
      kafka_partition,
      kafka_offset,
      dt,
      part AS copy_rank,
      CAST(NULL AS integer) AS copy_partition,
      CAST(NULL AS bigint) AS copy_offset
    FROM stock_ticks_columnar
    UNION ALL
    SELECT
      symbol,
      CAST(price AS decimal(18, 6)) AS price,
      TRY_CAST(volume AS bigint) AS volume,
      "timestamp",
      TRY_CAST(market_cap AS double) AS market_cap,
      TRY_CAST(pe_ratio AS double) AS pe_ratio,
      CAST(TRY_CAST(bid AS double) AS decimal(18, 6)) AS bid,
      CAST(TRY_CAST(ask AS double) AS decimal(18, 6)) AS ask,
      exchange,
      CAST(seq AS bigint) AS seq,
      kafka_topic,
      CAST(kafka_partition AS integer) AS kafka_partition,
      CAST(kafka_offset AS bigint) AS kafka_offset,
      dt,
      'landed' AS copy_rank,
      CAST(kafka_partition AS integer) AS copy_partition,
      CAST(kafka_offset AS bigint) AS copy_offset
    FROM stock_ticks
  ) AS copies
) AS ranked
WHERE previous_timestamp IS DISTINCT FROM "timestamp"
