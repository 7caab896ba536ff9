-- The latest quote per symbol on the day: the price, bid and ask of the symbol's last tick (bid and ask are empty
-- when that tick came from a source without an order book, tick.v2).
-- Parameter 1: the day, 'YYYY-MM-DD'.
WITH ranked AS (
  SELECT
    symbol,
    price,
    bid,
    ask,
    "timestamp",
    row_number() OVER (PARTITION BY symbol ORDER BY "timestamp" DESC) AS recency
  FROM stock_ticks_unique
  WHERE dt = ?
)
SELECT
  symbol,
  CAST(price AS double) AS price,
  CAST(bid AS double) AS bid,
  CAST(ask AS double) AS ask,
  "timestamp" AS as_of
FROM ranked
WHERE recency = 1
ORDER BY symbol
