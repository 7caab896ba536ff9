-- The latest quote per symbol on the day.
-- Parameter 1: the day, 'YYYY-MM-DD'.
SELECT
  symbol,
  max_by(price, "timestamp") AS price,
  max_by(bid, "timestamp") AS bid,
  max_by(ask, "timestamp") AS ask,
  max("timestamp") AS as_of
FROM stock_ticks_unique
WHERE dt = ?
GROUP BY symbol
ORDER BY symbol
