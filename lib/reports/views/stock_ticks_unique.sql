-- stock_ticks_unique: every tick once. The reports read this view, never stock_ticks itself.
-- A tick is identified by (symbol, timestamp) (DESIGN.md, "Tick identity"). The same tick can stand in the bucket
-- more than once: a re-published minute reaches Kafka at new offsets, and a mapping re-driven from an older
-- offset lands records again under other object names. Of all copies, the view keeps the one with the highest
-- Kafka (partition, offset), the record the topic received last, as a compacted topic would; lines landed before
-- they carried lineage come last. dt leads the window's partition so `WHERE dt = ?` prunes partitions through it.
-- Created (or replaced) by the reports workflow before the reports run, in Athena and in the local stand-in alike;
-- Athena DDL strings must not start with a comment, so the catalog sends it from CREATE on.
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
    row_number() OVER (
      PARTITION BY dt, symbol, "timestamp"
      ORDER BY kafka_partition DESC NULLS LAST, kafka_offset DESC NULLS LAST
    ) AS occurrence
  FROM stock_ticks
) AS numbered
WHERE occurrence = 1
