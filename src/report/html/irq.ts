import { KIND_CODE } from '../../model/schema.js';
import type { TraceModel } from '../../model/trace-model.js';
import type { TraceFacts } from '../../detectors/trace-facts.js';
import type { ChartSpec } from './chart.js';
import { BASE_LAYOUT, PALETTE, binCentresMs, binOf, round, timeBins } from './chart.js';
import { clip, plotText } from './escape.js';

/**
 * The two IRQ charts: a per-CPU IRQ rate heatmap over time (a pinned device is one hot row) and
 * each source's IRQs split by the CPU that handled them (a pinned source is one colour).
 * Sources are the handler name (`vif1.0-q0`), else `irq N`.
 */

/** Heatmap cells are capped so a 256-CPU host still gives a small file. */
const MAX_CELLS = 40_000;
const MAX_SOURCES = 12;
const MAX_CPU_TRACES = 16;

export function irqCharts(model: TraceModel, facts: TraceFacts, prefix: string): ChartSpec[] {
  const rows = irqRows(model, facts.kindCounts.irq_entry ?? 0);
  const heat: ChartSpec = { id: `${prefix}-irq-heatmap`, title: 'IRQ rate per CPU over time' };
  const share: ChartSpec = { id: `${prefix}-irq-share`, title: 'IRQ share per CPU, per source' };
  if (rows.length === 0) {
    const note = 'No IRQ entry events (irq:irq_handler_entry) with a CPU in this input.';
    return [{ ...heat, note }, { ...share, note }];
  }
  let maxCpu = -1;
  for (const i of rows) if (model.events.cpu[i] > maxCpu) maxCpu = model.events.cpu[i];
  const cpus = maxCpu + 1;
  return [heatmap(model, facts, heat, cpus, rows), shares(model, share, cpus, rows)];
}

/** The IRQ entries with a CPU, found in one pass: both charts then visit only them. */
function irqRows(model: TraceModel, count: number): Int32Array {
  const e = model.events;
  const code = KIND_CODE.irq_entry;
  const rows = new Int32Array(count);
  let n = 0;
  if (count > 0) for (let i = 0; i < e.kind.length; i++) if (e.kind[i] === code && e.cpu[i] >= 0) rows[n++] = i;
  return rows.subarray(0, n);
}

function heatmap(model: TraceModel, facts: TraceFacts, spec: ChartSpec, cpus: number, rows: Int32Array): ChartSpec {
  if (!facts.hasTime || facts.durationNs <= 0) return { ...spec, note: 'This input has no timestamps: no rate over time.' };
  const bins = timeBins(facts.startNs, facts.endNs, Math.max(10, Math.min(300, Math.floor(MAX_CELLS / cpus))));
  const counts = new Float64Array(cpus * bins.count);
  const e = model.events;
  for (const i of rows) if (!Number.isNaN(e.tsNs[i])) counts[e.cpu[i] * bins.count + binOf(bins, e.tsNs[i])]++;
  const perSecond = 1e9 / bins.widthNs;
  const z: number[][] = [];
  for (let c = 0; c < cpus; c++) z.push(Array.from(counts.subarray(c * bins.count, (c + 1) * bins.count), (n) => round(n * perSecond, 0)));
  return {
    ...spec,
    data: [{ type: 'heatmap', x: binCentresMs(bins), y: Array.from({ length: cpus }, (_, c) => `cpu${c}`), z, colorscale: 'YlOrRd', reversescale: true, colorbar: { title: { text: 'IRQs/s' } }, hovertemplate: '%{y} at %{x} ms: %{z} IRQs/s<extra></extra>' }],
    layout: { ...BASE_LAYOUT, height: Math.min(600, 140 + cpus * 18), xaxis: { title: { text: 'time (ms)' } }, yaxis: { type: 'category', autorange: 'reversed' } },
  };
}

function shares(model: TraceModel, spec: ChartSpec, cpus: number, rows: Int32Array): ChartSpec {
  const e = model.events;
  // Per (source, cpu) counts; the source key is the handler name, or `irq N` when unnamed.
  const bySource = new Map<string, Float64Array>();
  for (const i of rows) {
    const name = e.str0[i] >= 0 ? model.str(e.str0[i]) : `irq ${e.a0[i]}`;
    let row = bySource.get(name);
    if (row === undefined) bySource.set(name, (row = new Float64Array(cpus)));
    row[e.cpu[i]]++;
  }
  const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
  const ranked = [...bySource.entries()].map(([name, row]) => ({ name, row, n: sum(row) })).sort((a, b) => b.n - a.n || (a.name < b.name ? -1 : 1));
  const top = ranked.slice(0, MAX_SOURCES);
  if (ranked.length > MAX_SOURCES) {
    const rest = new Float64Array(cpus);
    for (const r of ranked.slice(MAX_SOURCES)) r.row.forEach((x, c) => (rest[c] += x));
    top.push({ name: `other (${ranked.length - MAX_SOURCES} sources)`, row: rest, n: sum(rest) });
  }
  // One bar per source, one colour per CPU (the busiest CPUs; the rest share one colour).
  const cpuTotals = Array.from({ length: cpus }, (_, c) => ({ c, n: top.reduce((s, r) => s + r.row[c], 0) })).filter((x) => x.n > 0);
  cpuTotals.sort((a, b) => b.n - a.n || a.c - b.c);
  const shown = cpuTotals.slice(0, MAX_CPU_TRACES).sort((a, b) => a.c - b.c);
  const others = cpuTotals.slice(MAX_CPU_TRACES).map((x) => x.c);
  const x = top.map((r) => plotText(clip(r.name, 40)));
  const full = top.map((r) => plotText(r.name));
  const trace = (name: string, pick: (row: Float64Array) => number, color: string) => {
    const y = top.map((r) => round(pick(r.row) / r.n, 4));
    return { type: 'bar', name, x, y, marker: { color }, customdata: full, hovertemplate: `%{customdata}<br>${name}: %{y:.1%}<extra></extra>` };
  };
  const data = shown.map(({ c }, i) => trace(`cpu${c}`, (row) => row[c], PALETTE[i % PALETTE.length]));
  if (others.length > 0) data.push(trace(`${others.length} other CPUs`, (row) => others.reduce((s, c) => s + row[c], 0), '#cccccc'));
  return {
    ...spec,
    data,
    layout: { ...BASE_LAYOUT, barmode: 'stack', showlegend: true, yaxis: { title: { text: 'share of the source’s IRQs' }, tickformat: '.0%', range: [0, 1] }, xaxis: { type: 'category', automargin: true } },
  };
}
