import type { AlertEvent, AlertsState } from './alerts';
import type { LiveSnapshot } from './snapshot';

/** One row of the live table: what a trader scans. */
export interface LiveRow {
  symbol: string;
  last: number;
  /** Since the day's open, percent (the snapshot's day: UTC, as the reports'). */
  changePercent: number;
  tickTime: string;
  /** Seconds from the tick to now. */
  ageSeconds: number;
}

/** The rows of the live table, by symbol. */
export function liveRows(snapshot: LiveSnapshot, nowMs: number): LiveRow[] {
  return Object.values(snapshot.symbols)
    .sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
    .map((state) => ({
      symbol: state.symbol,
      last: state.last,
      changePercent: Number(((state.last / state.open - 1) * 100).toFixed(2)),
      tickTime: state.tickTime,
      ageSeconds: Math.max(0, Math.round((nowMs - Date.parse(state.tickTime)) / 1000)),
    }));
}

/** An age as a person reads it: 12s, 4m, 3h. */
export function shortAge(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h`;
}

/** What `tickstream live --once --json` prints: the rows, the open alerts and the recent events. */
export function liveJson(snapshot: LiveSnapshot, alerts: AlertsState, nowMs: number) {
  return {
    at: new Date(nowMs).toISOString(),
    updatedAt: snapshot.updatedAt,
    newestTick: snapshot.newestTick,
    symbols: liveRows(snapshot, nowMs),
    openAlerts: Object.values(alerts.open),
    recentAlerts: alerts.history.slice(-10),
  };
}

const eventLine = (event: AlertEvent) =>
  `${event.at.slice(11, 19)} ${event.change === 'opened' ? 'OPENED  ' : 'resolved'} ${event.episode.id}${event.change === 'opened' ? `: ${event.episode.what}` : ''}`;

/** The live table and the alerts under it, as the terminal shows them. */
export function formatLive(
  snapshot: LiveSnapshot,
  alerts: AlertsState,
  nowMs: number,
  stage: string,
): string {
  const rows = liveRows(snapshot, nowMs);
  const header = ['symbol', 'last', 'change', 'tick time', 'age'];
  const cells = rows.map((row) => [
    row.symbol,
    row.last.toFixed(row.last < 1 ? 4 : 2),
    `${row.changePercent >= 0 ? '+' : ''}${row.changePercent.toFixed(2)}%`,
    row.tickTime.slice(11, 19),
    shortAge(row.ageSeconds),
  ]);
  const widths = header.map((name, i) =>
    Math.max(name.length, ...cells.map((cell) => (cell[i] ?? '').length)),
  );
  const line = (cell: string[]) =>
    cell
      .map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0)))
      .join('  ');
  const open = Object.values(alerts.open);
  const updated =
    snapshot.updatedAt === null ? 'nothing landed yet' : `updated ${snapshot.updatedAt.slice(11, 19)} UTC`;
  return `${[
    `tickstream ${stage} live: ${rows.length} symbols, ${updated}, now ${new Date(nowMs).toISOString().slice(11, 19)} UTC`,
    '',
    line(header),
    ...cells.map(line),
    '',
    open.length === 0 ? 'alerts: none open' : `alerts: ${open.length} open`,
    ...open.map((episode) => `  ${episode.id} since ${episode.since.slice(11, 19)}: ${episode.what}`),
    ...(alerts.history.length > 0
      ? ['recent:', ...alerts.history.slice(-5).map((event) => `  ${eventLine(event)}`)]
      : []),
  ].join('\n')}\n`;
}
