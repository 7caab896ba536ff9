-- Volume-weighted average price per symbol for the day.
-- Parameter 1: the day, 'YYYY-MM-DD'.
SELECT
  symbol,
  round(sum(price * volume) / nullif(sum(volume), 0), 4) AS vwap,
  sum(volume) AS total_volume,
  count(*) AS ticks
FROM stock_ticks
WHERE dt = ?
GROUP BY symbol
ORDER BY symbol
