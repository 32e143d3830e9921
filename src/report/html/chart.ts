/**
 * What a chart module hands the page: a plotly figure (data + layout, built here so the page
 * script stays generic) or, when the input lacks the signal, a note saying what is missing — so
 * an empty chart never ships and every chart div on the page holds a plot.
 * Plus the time binning every timeline shares: long timelines are cut to at most MAX_POINTS
 * points per series, which keeps the file small and plotly fast on a GB trace.
 */

export interface ChartSpec {
  id: string;
  title: string;
  /** Set when there is nothing to draw: the page shows it instead of a chart. */
  note?: string;
  data?: unknown[];
  layout?: Record<string, unknown>;
}

/** A table the page renders as-is (cells are text). */
export interface TableSpec {
  id: string;
  title: string;
  note?: string;
  head: string[];
  rows: (string | number)[][];
}

export const MAX_POINTS = 2000;

/** Fixed rounding keeps the JSON short and the file byte-identical run to run. */
export function round(x: number, digits = 3): number {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : 0;
}

/** Even time bins over [startNs, endNs]: `count` bins, at least 1 ns wide. */
export interface Bins {
  startNs: number;
  widthNs: number;
  count: number;
}

export function timeBins(startNs: number, endNs: number, want: number): Bins {
  const span = Math.max(1, endNs - startNs);
  const count = Math.max(1, Math.min(want, Math.ceil(span)));
  return { startNs, widthNs: span / count, count };
}

export function binOf(b: Bins, tNs: number): number {
  const i = Math.floor((tNs - b.startNs) / b.widthNs);
  return i < 0 ? 0 : i >= b.count ? b.count - 1 : i;
}

/** Bin centres in ms since the trace start: the x of every timeline. */
export function binCentresMs(b: Bins): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.count; i++) out.push(round(((i + 0.5) * b.widthNs) / 1e6, 3));
  return out;
}

/**
 * A step function (value[i] from t[i] on) cut to `b`: each bin gets the highest value that held
 * anywhere in it, so a short burst to a full ring survives downsampling. Short series go out
 * exactly (every step) instead.
 */
export function stepSeries(t: Float64Array, v: Float64Array, b: Bins): { x: number[]; y: number[] } {
  const toMs = (ns: number) => round((ns - b.startNs) / 1e6, 6);
  if (t.length <= MAX_POINTS) return { x: Array.from(t, toMs), y: Array.from(v) };
  const x: number[] = [];
  const y: number[] = [];
  let j = 0;
  let cur = 0;
  for (let i = 0; i < b.count; i++) {
    const hi = b.startNs + (i + 1) * b.widthNs;
    let m = cur;
    while (j < t.length && (t[j] < hi || i === b.count - 1)) {
      cur = v[j++];
      if (cur > m) m = cur;
    }
    x.push(toMs(b.startNs + i * b.widthNs));
    y.push(m);
  }
  return { x, y };
}

/**
 * Intervals (sorted by start) merged until at most `max` remain: neighbours closer than a gap
 * join, the gap doubling until the count fits, so shading stays readable and the file small.
 */
export function mergeIntervals(start: Float64Array, end: Float64Array, spanNs: number, max = 300): [number, number][] {
  let gap = 0;
  for (;;) {
    const out: [number, number][] = [];
    for (let i = 0; i < start.length; i++) {
      const last = out[out.length - 1];
      if (last !== undefined && start[i] - last[1] <= gap) last[1] = Math.max(last[1], end[i]);
      else out.push([start[i], end[i]]);
    }
    if (out.length <= max) return out;
    gap = gap === 0 ? Math.max(1, spanNs / (max * 8)) : gap * 2;
  }
}

/** Dark-on-light palette shared by every chart; indexed, so the same input keeps its colours. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4', '#8c564b'];

export const BASE_LAYOUT = {
  margin: { l: 70, r: 20, t: 10, b: 50 },
  height: 340,
  font: { family: 'system-ui, sans-serif', size: 12 },
  paper_bgcolor: '#ffffff',
  plot_bgcolor: '#ffffff',
} as const;
