/**
 * The reports computed without SQL: from the landed lines themselves, in exact decimal arithmetic (BigInt scaled
 * integers), by rules written down independently of lib/reports/*.sql. Each report's rows are values (a number is
 * the double the CSV shows, a string as is, null for an empty field), compared with the CSV by value, so the
 * oracle shares neither the SQL nor its number formatting.
 *
 * The rules (docs/reports.md): each tick (symbol, timestamp) once, the copy with the highest Kafka (partition,
 * offset); prices are decimals of at most 6 places; averages, VWAP and percentage changes are exact quotients
 * rounded half away from zero to 4 places; a log return is the double logarithm of the price ratio, fixed to 12
 * places (half up, from its shortest decimal text), and the volatility is the square root of the exact sample
 * variance of those, rounded to 8 places.
 */

export type OracleValue = string | number | null;

/** A landed line, as landTicks writes it (the tick's fields and its Kafka lineage). */
export interface LandedTick {
  symbol: string;
  price: number;
  volume: number | null;
  timestamp: string;
  bid: number | null;
  ask: number | null;
  kafka_partition: number;
  kafka_offset: number;
}

const PRICE_SCALE = 6;

/** A decimal text (plain or exponent form) as an integer scaled by 10^scale, rounded half away from zero. */
export function scaled(text: string, scale: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!match) throw new RangeError(`not a decimal: ${text}`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = BigInt(`${whole}${fraction}`);
  // value = digits * 10^(exponent - fraction.length); scaled = value * 10^scale.
  const shift = Number(exponent) - fraction.length + scale;
  const magnitude = shift >= 0 ? digits * 10n ** BigInt(shift) : divideHalfUp(digits, 10n ** BigInt(-shift));
  return sign === '-' ? -magnitude : magnitude;
}

/** a / b rounded half away from zero. */
export function divideHalfUp(a: bigint, b: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  const [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  const quotient = (2n * x + y) / (2n * y);
  return negative ? -quotient : quotient;
}

/** A scaled integer as the double nearest its exact value. */
function toNumber(value: bigint, scale: number): number {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return Number(`${negative ? '-' : ''}${text}`);
}

/** A price as the decimal the view reads: its shortest text, rounded half up at the sixth place. */
const priceOf = (price: number) => scaled(String(price), PRICE_SCALE);

/** Every tick once: of its copies, the one with the highest Kafka partition, then offset. */
export function distinctTicks(lines: readonly LandedTick[]): LandedTick[] {
  const winners = new Map<string, LandedTick>();
  for (const line of lines) {
    const key = `${line.symbol}\u0000${line.timestamp}`;
    const held = winners.get(key);
    if (
      held === undefined ||
      line.kafka_partition > held.kafka_partition ||
      (line.kafka_partition === held.kafka_partition && line.kafka_offset > held.kafka_offset)
    )
      winners.set(key, line);
  }
  return [...winners.values()];
}

function bySymbol(ticks: readonly LandedTick[]): Map<string, LandedTick[]> {
  const groups = new Map<string, LandedTick[]>();
  for (const tick of ticks) {
    const group = groups.get(tick.symbol) ?? [];
    group.push(tick);
    groups.set(tick.symbol, group);
  }
  for (const group of groups.values())
    group.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Trino's round(double, d): half up on the double scaled by 10^d. */
const roundDouble = (value: number, places: number) => {
  const factor = 10 ** places;
  return value < 0 ? -(Math.round(-value * factor) / factor) : Math.round(value * factor) / factor;
};

/** Every report of the day over `lines` (the day's landed lines, copies included), as rows of values. */
export function oracleReports(lines: readonly LandedTick[]): Record<string, OracleValue[][]> {
  const symbols = bySymbol(distinctTicks(lines));
  const out: Record<string, OracleValue[][]> = {};

  const averages = [...symbols].map(([symbol, ticks]) => {
    const total = ticks.reduce((sum, tick) => sum + priceOf(tick.price), 0n);
    return [symbol, toNumber(divideHalfUp(total, BigInt(ticks.length) * 100n), 4), ticks.length] as const;
  });
  out.top_symbols_by_avg_price = averages
    .sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
    .slice(0, 10)
    .map((row) => [...row]);

  const volumes = [...symbols].map(([symbol, ticks]) => {
    const withVolume = ticks.filter((tick) => tick.volume !== null);
    const total =
      withVolume.length === 0 ? null : withVolume.reduce((sum, tick) => sum + (tick.volume ?? 0), 0);
    return [symbol, total, ticks.at(-1)?.timestamp ?? null] as [string, number | null, string | null];
  });
  out.volume_by_symbol = volumes.sort(
    (a, b) =>
      (a[1] === null ? 1 : 0) - (b[1] === null ? 1 : 0) ||
      (b[1] ?? 0) - (a[1] ?? 0) ||
      compareText(a[0], b[0]),
  );

  out.vwap_daily = [...symbols].map(([symbol, ticks]) => {
    const weighed = ticks.filter((tick) => tick.volume !== null);
    const volume = weighed.reduce((sum, tick) => sum + BigInt(tick.volume ?? 0), 0n);
    const value = weighed.reduce((sum, tick) => sum + priceOf(tick.price) * BigInt(tick.volume ?? 0), 0n);
    const vwap = volume === 0n ? null : toNumber(divideHalfUp(value, volume * 100n), 4);
    return [symbol, vwap, weighed.length === 0 ? null : Number(volume), ticks.length];
  });

  out.ohlc_1m = [...symbols].flatMap(([symbol, ticks]) => {
    const minutes = new Map<string, LandedTick[]>();
    for (const tick of ticks) {
      const minute = tick.timestamp.slice(0, 16);
      minutes.set(minute, [...(minutes.get(minute) ?? []), tick]);
    }
    return [...minutes].map(([minute, group]) => {
      const prices = group.map((tick) => priceOf(tick.price));
      const withVolume = group.filter((tick) => tick.volume !== null);
      return [
        symbol,
        minute,
        toNumber(prices[0] ?? 0n, PRICE_SCALE),
        toNumber(
          prices.reduce((a, b) => (b > a ? b : a)),
          PRICE_SCALE,
        ),
        toNumber(
          prices.reduce((a, b) => (b < a ? b : a)),
          PRICE_SCALE,
        ),
        toNumber(prices.at(-1) ?? 0n, PRICE_SCALE),
        withVolume.length === 0 ? null : withVolume.reduce((sum, tick) => sum + (tick.volume ?? 0), 0),
        group.length,
      ];
    });
  });

  out.latest_price = [...symbols].map(([symbol, ticks]) => {
    const last = ticks.at(-1) as LandedTick;
    const decimal = (value: number | null) => (value === null ? null : toNumber(priceOf(value), PRICE_SCALE));
    return [symbol, decimal(last.price), decimal(last.bid), decimal(last.ask), last.timestamp];
  });

  const volatility = [...symbols].flatMap(([symbol, ticks]) => {
    if (ticks.length < 2) return [];
    const returns = ticks.slice(1).map((tick, index) => {
      const previous = toNumber(priceOf((ticks[index] as LandedTick).price), PRICE_SCALE);
      const ratio = Math.log(toNumber(priceOf(tick.price), PRICE_SCALE) / previous);
      return scaled(String(ratio), 12);
    });
    const n = BigInt(returns.length);
    const sum = returns.reduce((a, b) => a + b, 0n);
    const squares = returns.reduce((a, b) => a + b * b, 0n);
    const stdev =
      n < 2n
        ? null
        : roundDouble(Math.sqrt(toNumber(divideHalfUp(n * squares - sum * sum, n * (n - 1n)), 24)), 8);
    return [[symbol, returns.length, stdev] as [string, number, number | null]];
  });
  out.volatility = volatility.sort(
    (a, b) =>
      (a[2] === null ? 1 : 0) - (b[2] === null ? 1 : 0) ||
      (b[2] ?? 0) - (a[2] ?? 0) ||
      compareText(a[0], b[0]),
  );

  const moves = [...symbols].map(([symbol, ticks]) => {
    const first = priceOf((ticks[0] as LandedTick).price);
    const last = priceOf((ticks.at(-1) as LandedTick).price);
    // The change at 18 places, as an exact ranking key; shown rounded to 4.
    const change = divideHalfUp(100n * (last - first) * 10n ** 18n, first);
    return { symbol, first, last, change };
  });
  const abs = (value: bigint) => (value < 0n ? -value : value);
  out.biggest_movers = moves
    .sort((a, b) =>
      abs(b.change) > abs(a.change)
        ? 1
        : abs(b.change) < abs(a.change)
          ? -1
          : compareText(a.symbol, b.symbol),
    )
    .slice(0, 10)
    .map((move) => [
      move.symbol,
      toNumber(move.first, PRICE_SCALE),
      toNumber(move.last, PRICE_SCALE),
      toNumber(divideHalfUp(move.change, 10n ** 14n), 4),
    ]);
  return out;
}

/** A report's CSV (header and rows) as values to compare with the oracle's: numbers where the oracle has one. */
export function csvValues(rows: readonly string[][], expected: readonly OracleValue[][]): OracleValue[][] {
  return rows.slice(1).map((row, r) =>
    row.map((cell, c) => {
      if (cell === '') return null;
      const want = expected[r]?.[c];
      return typeof want === 'number' ? Number(cell) : cell;
    }),
  );
}
