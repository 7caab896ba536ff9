-- One-minute OHLC candles per symbol. The minute is the timestamp's first 16 characters (YYYY-MM-DDTHH:MM).
-- Parameter 1: the day, 'YYYY-MM-DD'.
SELECT
  symbol,
  substr("timestamp", 1, 16) AS minute,
  CAST(min_by(price, "timestamp") AS double) AS open,
  CAST(max(price) AS double) AS high,
  CAST(min(price) AS double) AS low,
  CAST(max_by(price, "timestamp") AS double) AS close,
  sum(volume) AS volume,
  count(*) AS ticks
FROM stock_ticks_unique
WHERE dt = ?
GROUP BY symbol, substr("timestamp", 1, 16)
ORDER BY symbol, minute
