-- The 10 biggest movers of the day: percentage change from the first to the last price, largest either way.
-- Parameter 1: the day, 'YYYY-MM-DD'. Exact: the change is a decimal quotient (18 places), ranked unrounded and
-- shown rounded half up to 4 places; prices are shown as doubles.
WITH moves AS (
  SELECT
    symbol,
    min_by(price, "timestamp") AS first_price,
    max_by(price, "timestamp") AS last_price
  FROM stock_ticks_unique
  WHERE dt = ?
  GROUP BY symbol
),
changes AS (
  SELECT
    symbol,
    first_price,
    last_price,
    CAST(100 * (last_price - first_price) AS decimal(38, 18)) / first_price AS change
  FROM moves
)
SELECT
  symbol,
  CAST(first_price AS double) AS first_price,
  CAST(last_price AS double) AS last_price,
  CAST(round(change, 4) AS double) AS pct_change
FROM changes
ORDER BY abs(change) DESC, symbol
LIMIT 10
