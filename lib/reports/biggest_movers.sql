-- The 10 biggest movers of the day: percentage change from the first to the last price, largest either way.
-- Parameter 1: the day, 'YYYY-MM-DD'. Prices are cast to double: a crawler may type whole prices as bigint.
WITH moves AS (
  SELECT
    symbol,
    min_by(CAST(price AS double), "timestamp") AS first_price,
    max_by(CAST(price AS double), "timestamp") AS last_price
  FROM stock_ticks_unique
  WHERE dt = ?
  GROUP BY symbol
)
SELECT
  symbol,
  first_price,
  last_price,
  round(100 * (last_price - first_price) / first_price, 4) AS pct_change
FROM moves
ORDER BY abs(100 * (last_price - first_price) / first_price) DESC, symbol
LIMIT 10
