-- Volume-weighted average price per symbol for the day.
-- Parameter 1: the day, 'YYYY-MM-DD'. Exact: decimal prices times whole volumes sum exactly, and the quotient is
-- rounded half up to 4 places (its 18 places hold the rounding exact), then shown as a double.
-- Only ticks with a volume weigh (a live tick.v2 quote has none); a symbol with none has an empty VWAP.
SELECT
  symbol,
  CAST(round(CAST(sum(price * volume) AS decimal(38, 18)) / nullif(sum(volume), 0), 4) AS double) AS vwap,
  sum(volume) AS total_volume,
  count(*) AS ticks
FROM stock_ticks_unique
WHERE dt = ?
GROUP BY symbol
ORDER BY symbol
