-- Volatility per symbol: the sample standard deviation of log returns between consecutive ticks.
-- Parameter 1: the day, 'YYYY-MM-DD'. A logarithm is not exact, so each return is fixed to 12 decimal places
-- (rounded half up) before anything adds it up: the sums are then exact decimals, the same in any order, and the
-- variance, (n * sum(r^2) - sum(r)^2) / (n * (n - 1)), is one exact quotient (24 places) before its square root.
WITH ordered AS (
  SELECT
    symbol,
    price,
    lag(price) OVER (PARTITION BY symbol ORDER BY "timestamp") AS previous_price
  FROM stock_ticks_unique
  WHERE dt = ?
),
returns AS (
  SELECT
    symbol,
    CAST(ln(CAST(price AS double) / CAST(previous_price AS double)) AS decimal(18, 12)) AS log_return
  FROM ordered
  WHERE previous_price IS NOT NULL
),
sums AS (
  SELECT
    symbol,
    count(*) AS n,
    sum(log_return) AS sum_r,
    sum(log_return * log_return) AS sum_r2
  FROM returns
  GROUP BY symbol
)
SELECT
  symbol,
  n AS returns,
  round(sqrt(CAST((n * sum_r2 - sum_r * sum_r) / nullif(n * (n - 1), 0) AS double)), 8) AS stdev_log_return
FROM sums
ORDER BY stdev_log_return DESC, symbol
