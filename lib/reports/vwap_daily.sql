-- Volume-weighted average price per symbol for the day.
-- Parameter 1: the day, 'YYYY-MM-DD'. Prices are cast to double: a crawler may type whole prices as bigint.
-- Only ticks with a volume weigh (a live tick.v2 quote has none); a symbol with none has an empty VWAP.
SELECT
  symbol,
  round(sum(CAST(price AS double) * volume) / nullif(sum(volume), 0), 4) AS vwap,
  sum(volume) AS total_volume,
  count(*) AS ticks
FROM stock_ticks_unique
WHERE dt = ?
GROUP BY symbol
ORDER BY symbol
