-- Volatility per symbol: the sample standard deviation of log returns between consecutive ticks.
-- Parameter 1: the day, 'YYYY-MM-DD'. Prices are cast to double: a crawler may type whole prices as bigint.
WITH ordered AS (
  SELECT
    symbol,
    CAST(price AS double) AS price,
    lag(CAST(price AS double)) OVER (PARTITION BY symbol ORDER BY "timestamp") AS previous_price
  FROM stock_ticks_unique
  WHERE dt = ?
)
SELECT
  symbol,
  count(*) AS returns,
  round(stddev_samp(ln(price / previous_price)), 8) AS stdev_log_return
FROM ordered
WHERE previous_price IS NOT NULL
GROUP BY symbol
ORDER BY stdev_log_return DESC, symbol
