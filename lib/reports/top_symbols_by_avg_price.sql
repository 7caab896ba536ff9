-- Top 10 symbols by average price on the day (the original project's first query).
-- Parameter 1: the day, 'YYYY-MM-DD' (a partition value, so only that day's files are read).
SELECT
  symbol,
  round(avg(price), 4) AS avg_price,
  count(*) AS ticks
FROM stock_ticks_unique
WHERE dt = ?
GROUP BY symbol
ORDER BY avg_price DESC, symbol
LIMIT 10
