-- One-minute OHLC candles per symbol. The minute is the timestamp's first 16 characters (YYYY-MM-DDTHH:MM).
-- Parameter 1: the day, 'YYYY-MM-DD'.
SELECT
  symbol,
  substr("timestamp", 1, 16) AS minute,
  min_by(price, "timestamp") AS open,
  max(price) AS high,
  min(price) AS low,
  max_by(price, "timestamp") AS close,
  sum(volume) AS volume,
  count(*) AS ticks
FROM stock_ticks_unique
WHERE dt = ?
GROUP BY symbol, substr("timestamp", 1, 16)
ORDER BY symbol, minute
