import { scaleBand, scaleLinear, scaleUtc } from 'd3-scale';
import { line } from 'd3-shape';

/** One point of an intraday series: a minute (epoch ms), its closing price and the volume traded in it. */
export interface IntradayPoint {
  time: number;
  close: number;
  volume: number;
}

const escapeXml = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * Merges consecutive points into at most `maxPoints` (the first's minute, the last's close, volumes summed), so a full day
 * of minutes draws as about one point per pixel column; returns the points and the minutes each one covers.
 */
export function downsample(
  points: readonly IntradayPoint[],
  maxPoints: number,
): { points: IntradayPoint[]; minutes: number } {
  const size = Math.max(1, Math.ceil(points.length / maxPoints));
  if (size === 1) return { points: [...points], minutes: 1 };
  const merged: IntradayPoint[] = [];
  for (let start = 0; start < points.length; start += size) {
    const group = points.slice(start, start + size);
    const first = group[0] as IntradayPoint;
    const last = group[group.length - 1] as IntradayPoint;
    merged.push({
      time: first.time,
      close: last.close,
      volume: group.reduce((sum, point) => sum + point.volume, 0),
    });
  }
  return { points: merged, minutes: size };
}

const timeOfDay = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * An inline SVG of one symbol's day: the closing price as a line over volume bars, with the price range and the
 * first and last minute as labels. No script, no external resource: it draws wherever the page opens.
 */
export function intradayChart(params: {
  symbol: string;
  points: readonly IntradayPoint[];
  width?: number;
  height?: number;
}): string {
  const { symbol, width = 320, height = 140 } = params;
  const { points, minutes } = downsample(params.points, width);
  const label = `${symbol}: ${minutes === 1 ? '1-minute' : `${minutes}-minute`} closes and volume`;
  if (points.length === 0)
    return `<svg class="chart intraday" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}"><text x="8" y="20">no ticks</text></svg>`;
  const top = 16;
  const priceBottom = height * 0.7;
  const bottom = height - 14;
  const times = points.map((point) => point.time);
  const closes = points.map((point) => point.close);
  // Each point owns one slot of `step` ms: its volume bar fills the slot, its price sits in the slot's middle.
  const step = 60_000 * minutes;
  const x = scaleUtc()
    .domain([Math.min(...times), Math.max(...times) + step])
    .range([2, width - 2]);
  const y = scaleLinear()
    .domain([Math.min(...closes), Math.max(...closes)])
    .range([priceBottom, top])
    .nice();
  const volumeY = scaleLinear()
    .domain([0, Math.max(1, ...points.map((point) => point.volume))])
    .range([bottom, priceBottom + 6]);
  const slot = x(times[0] as number) - x((times[0] as number) - step);
  const barWidth = Math.max(0.5, round1(slot * 0.8));
  const price = line<IntradayPoint>()
    .x((point) => x(point.time + step / 2))
    .y((point) => y(point.close))
    .digits(1)(points);
  const volume = points
    .map(
      (point) =>
        `M${round1(x(point.time))},${bottom}V${round1(volumeY(point.volume))}h${barWidth}V${bottom}Z`,
    )
    .join('');
  const [low, high] = y.domain() as [number, number];
  return [
    `<svg class="chart intraday" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}">`,
    `<title>${escapeXml(label)}</title>`,
    `<path class="volume" d="${volume}"/>`,
    `<path class="price" d="${price ?? ''}"/>`,
    `<text class="axis" x="${width - 4}" y="${top - 4}" text-anchor="end">${high.toFixed(2)}</text>`,
    `<text class="axis" x="${width - 4}" y="${priceBottom + 4}" text-anchor="end">${low.toFixed(2)}</text>`,
    `<text class="axis" x="2" y="${height - 2}">${timeOfDay(points[0]?.time ?? 0)}</text>`,
    `<text class="axis" x="${width - 2}" y="${height - 2}" text-anchor="end">${timeOfDay(points.at(-1)?.time ?? 0)} UTC</text>`,
    '</svg>',
  ].join('');
}

/**
 * An inline SVG of horizontal bars around zero, one per item (positive right in the `up` colour, negative left
 * in `down`), each labelled with its name and formatted value.
 */
export function divergingBars(params: {
  label: string;
  items: readonly { name: string; value: number }[];
  format: (value: number) => string;
  width?: number;
  barHeight?: number;
}): string {
  const { label, items, format, width = 520, barHeight = 20 } = params;
  const height = Math.max(1, items.length) * barHeight + 8;
  const extent = Math.max(1e-9, ...items.map((item) => Math.abs(item.value)));
  const x = scaleLinear()
    .domain([-extent, extent])
    .range([70, width - 70]);
  const y = scaleBand()
    .domain(items.map((item) => item.name))
    .range([4, height - 4])
    .padding(0.2);
  const zero = round1(x(0));
  const bars = items.map((item) => {
    const top = round1(y(item.name) ?? 0);
    const end = round1(x(item.value));
    const left = Math.min(zero, end);
    const middle = round1(top + y.bandwidth() / 2 + 4);
    const positive = item.value >= 0;
    return [
      `<rect class="${positive ? 'up' : 'down'}" x="${left}" y="${top}" width="${Math.max(0.5, round1(Math.abs(end - zero)))}" height="${round1(y.bandwidth())}"/>`,
      `<text class="name" x="${positive ? zero - 4 : zero + 4}" y="${middle}" text-anchor="${positive ? 'end' : 'start'}">${escapeXml(item.name)}</text>`,
      `<text class="value" x="${positive ? end + 4 : end - 4}" y="${middle}" text-anchor="${positive ? 'start' : 'end'}">${escapeXml(format(item.value))}</text>`,
    ].join('');
  });
  return `<svg class="chart bars" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}"><title>${escapeXml(label)}</title><line class="zero" x1="${zero}" x2="${zero}" y1="0" y2="${height}"/>${bars.join('')}</svg>`;
}

export { escapeXml as escapeHtml };
