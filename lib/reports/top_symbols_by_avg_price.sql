-- Top 10 symbols by average price on the day (the original project's first query).
-- Parameter 1: the day, 'YYYY-MM-DD' (a partition value, so only that day's files are read).
-- Exact: the view's prices are decimals, their sum is exact, and the average is rounded half up to 4 places (the
-- quotient's 16 places hold the rounding exact for any day's count of ticks), then shown as a double.
SELECT
  symbol,
  CAST(round(CAST(sum(price) AS decimal(38, 16)) / count(*), 4) AS double) AS avg_price,
  count(*) AS ticks
FROM stock_ticks_unique
WHERE dt = ?
GROUP BY symbol
ORDER BY avg_price DESC, symbol
LIMIT 10
