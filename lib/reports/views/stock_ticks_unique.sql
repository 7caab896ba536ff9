-- stock_ticks_unique: every tick once. The reports read this view, never stock_ticks itself.
-- A tick is identified by (symbol, timestamp) (docs/design.md, "Tick identity"). The same tick can stand in the bucket
-- more than once: a re-published minute reaches Kafka at new offsets, and a mapping re-driven from an older
-- offset lands records again under other object names. Of all copies, the view keeps the one with the highest
-- Kafka (partition, offset), the record the topic received last, as a compacted topic would; lines landed before
-- they carried lineage come last. dt leads the window's partition so `WHERE dt = ?` prunes partitions through it.
-- Created (or replaced) by the reports workflow before the reports run, in Athena and in the local stand-in alike;
-- Athena DDL strings must not start with a comment, so the catalog sends it from CREATE on.
-- tick.v1 and tick.v2 lines share the table: a real source's tick.v2 has null volume, market_cap, bid and ask where
-- it has no value. A crawl that saw only nulls in a column may have typed it string, so the view casts the
-- nullable numbers to their types (TRY_CAST: a null stays null) and the reports see one schema either way.
CREATE OR REPLACE VIEW stock_ticks_unique AS
SELECT
  symbol,
  price,
  TRY_CAST(volume AS bigint) AS volume,
  "timestamp",
  TRY_CAST(market_cap AS double) AS market_cap,
  TRY_CAST(pe_ratio AS double) AS pe_ratio,
  TRY_CAST(bid AS double) AS bid,
  TRY_CAST(ask AS double) AS ask,
  exchange,
  seq,
  kafka_topic,
  kafka_partition,
  kafka_offset,
  dt
FROM (
  SELECT
    *,
    row_number() OVER (
      PARTITION BY dt, symbol, "timestamp"
      ORDER BY kafka_partition DESC NULLS LAST, kafka_offset DESC NULLS LAST
    ) AS occurrence
  FROM stock_ticks
) AS numbered
WHERE occurrence = 1
