import type { Tick } from '../../contract/tick';
import { InvalidRequestError } from '../../shared/errors';
import { decimalsOf, priceIncrement } from './simulator';

/** A symbol that stops trading between two instants: no tick in [fromMs, toMs). */
export interface Halt {
  kind: 'halt';
  symbol: string;
  fromMs: number;
  toMs: number;
}

/** A symbol whose price moves by `percent` at an instant and stays moved: every tick from `atMs` on. */
export interface Jump {
  kind: 'jump';
  symbol: string;
  atMs: number;
  percent: number;
}

export type Anomaly = Halt | Jump;

const ISO = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,3})?)?Z';
const HALT = new RegExp(`^([A-Z][A-Z0-9.]{0,9})@(${ISO})\\.\\.(${ISO})$`);
const JUMP = new RegExp(`^([A-Z][A-Z0-9.]{0,9})@(${ISO}):([+-]\\d+(?:\\.\\d+)?)%$`);

/**
 * One anomaly from its text: `halt:MSFT@2026-11-20T15:00Z..2026-11-20T15:10Z` (no MSFT tick from 15:00 until
 * 15:10) or `jump:AAPL@2026-11-20T15:30Z:+8%` (AAPL 8% higher from 15:30 on). A malformed one is refused, saying
 * what was expected.
 */
export function parseAnomaly(text: string): Anomaly {
  const [kind = '', spec = ''] = text.trim().split(/:(.*)/s);
  if (kind === 'halt') {
    const match = HALT.exec(spec);
    const fromMs = Date.parse(match?.[2] ?? '');
    const toMs = Date.parse(match?.[3] ?? '');
    if (match && fromMs < toMs) return { kind: 'halt', symbol: match[1] as string, fromMs, toMs };
    throw new InvalidRequestError(
      'anomaly',
      `${text}: a halt is halt:SYMBOL@FROM..TO with UTC times, FROM before TO (e.g. halt:MSFT@2026-11-20T15:00Z..2026-11-20T15:10Z)`,
    );
  }
  if (kind === 'jump') {
    const match = JUMP.exec(spec);
    const percent = Number(match?.[3]);
    if (match && percent > -100 && percent !== 0)
      return { kind: 'jump', symbol: match[1] as string, atMs: Date.parse(match[2] as string), percent };
    throw new InvalidRequestError(
      'anomaly',
      `${text}: a jump is jump:SYMBOL@AT:+P% with a UTC time and a change above -100% (e.g. jump:AAPL@2026-11-20T15:30Z:+8%)`,
    );
  }
  throw new InvalidRequestError('anomaly', `${text}: an anomaly starts with halt: or jump:`);
}

/** A comma-separated list of anomalies (the `SIMULATION_ANOMALIES` setting); empty is none. */
export function parseAnomalies(text: string | undefined): Anomaly[] {
  return (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseAnomaly);
}

const onGrid = (value: number, increment: number, round: (x: number) => number) =>
  Number((round(value / increment) * increment).toFixed(decimalsOf(increment)));

/** A tick moved by `factor`: price, bid and ask on the price grid (bid ≤ price ≤ ask kept), cap and P/E with it. */
function moved(tick: Tick, factor: number): Tick {
  const increment = priceIncrement(tick.price * factor);
  const price = onGrid(tick.price * factor, increment, Math.round) || increment;
  return {
    ...tick,
    price,
    bid: Math.max(increment, Math.min(price, onGrid(tick.bid * factor, increment, Math.floor))),
    ask: Math.max(price, onGrid(tick.ask * factor, increment, Math.ceil)),
    market_cap: Math.round(tick.market_cap * (price / tick.price)),
    pe_ratio: tick.pe_ratio === null ? null : Number((tick.pe_ratio * (price / tick.price)).toFixed(2)),
  };
}

/**
 * The simulated ticks with the anomalies applied: a halted symbol's ticks in its window are gone, a jumped
 * symbol's ticks from its instant on are moved (jumps of one symbol compound). A pure function of its arguments,
 * so a re-run minute publishes the same records, anomalies included.
 */
export function withAnomalies(ticks: readonly Tick[], anomalies: readonly Anomaly[]): Tick[] {
  if (anomalies.length === 0) return [...ticks];
  const out: Tick[] = [];
  for (const tick of ticks) {
    const at = Date.parse(tick.timestamp);
    const own = anomalies.filter((anomaly) => anomaly.symbol === tick.symbol);
    if (own.some((anomaly) => anomaly.kind === 'halt' && at >= anomaly.fromMs && at < anomaly.toMs)) continue;
    const factor = own.reduce(
      (product, anomaly) =>
        anomaly.kind === 'jump' && at >= anomaly.atMs ? product * (1 + anomaly.percent / 100) : product,
      1,
    );
    out.push(factor === 1 ? tick : moved(tick, factor));
  }
  return out;
}
