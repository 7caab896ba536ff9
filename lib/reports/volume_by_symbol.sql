-- Volume traded on the day by symbol, with the latest update (the original project's second query).
-- Parameter 1: the day, 'YYYY-MM-DD'. Timestamps are ISO-8601 UTC strings, so max() is the latest. Ticks without
-- a volume (live tick.v2 quotes) add nothing; a symbol with none has an empty total, listed last.
SELECT
  symbol,
  sum(volume) AS total_volume,
  max("timestamp") AS last_update
FROM stock_ticks_unique
WHERE dt = ?
GROUP BY symbol
ORDER BY total_volume DESC NULLS LAST, symbol
