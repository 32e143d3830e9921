import { KIND_CODE } from '../../model/schema.js';
import type { TraceModel } from '../../model/trace-model.js';
import type { ChartSpec } from './chart.js';
import { BASE_LAYOUT, round } from './chart.js';
import { clip, plotText } from './escape.js';

/**
 * Lock contention: lock_wait_begin/end paired per thread (per CPU when the format has no
 * threads), wait time summed per lock, the top locks as horizontal bars with count, mean and
 * max in the hover. The lock is named by its address text (a0 is that string's id); the
 * hot-lock finding names the code that takes it.
 */
const TOP_LOCKS = 15;

export function lockChart(model: TraceModel, prefix: string): ChartSpec {
  const spec: ChartSpec = { id: `${prefix}-locks`, title: 'Lock contention: top locks by wait time' };
  const e = model.events;
  const begin = KIND_CODE.lock_wait_begin;
  const end = KIND_CODE.lock_wait_end;
  const open = new Map<number, { lock: number; t: number }>();
  const stats = new Map<number, { total: number; n: number; max: number }>();
  for (let i = 0; i < e.kind.length; i++) {
    const k = e.kind[i];
    if (k !== begin && k !== end) continue;
    // Threads are >= 0; CPUs are keyed below zero so the two never collide.
    const who = e.utid[i] >= 0 ? e.utid[i] : -2 - e.cpu[i];
    if (k === begin) {
      open.set(who, { lock: e.a0[i], t: e.tsNs[i] });
      continue;
    }
    const b = open.get(who);
    if (b === undefined) continue;
    open.delete(who);
    const wait = e.tsNs[i] - b.t;
    if (!(wait >= 0)) continue;
    let s = stats.get(b.lock);
    if (s === undefined) stats.set(b.lock, (s = { total: 0, n: 0, max: 0 }));
    s.total += wait;
    s.n++;
    if (wait > s.max) s.max = wait;
  }
  if (stats.size === 0) return { ...spec, note: 'No paired lock wait events (lock:contention_begin/end) in this input.' };
  const name = (lock: number) => (Number.isInteger(lock) && lock >= 0 ? model.str(lock) : `lock ${lock}`);
  const top = [...stats.entries()]
    .map(([lock, s]) => ({ name: name(lock), ...s }))
    .sort((a, b) => b.total - a.total || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, TOP_LOCKS)
    .reverse(); // plotly draws the first bar at the bottom: the worst lock goes on top
  const hover = top.map((l) => plotText(`${l.name}: ${l.n} waits, total ${(l.total / 1e6).toFixed(3)} ms, mean ${(l.total / l.n / 1e3).toFixed(1)} µs, max ${(l.max / 1e3).toFixed(1)} µs`));
  return {
    ...spec,
    data: [{ type: 'bar', orientation: 'h', x: top.map((l) => round(l.total / 1e6, 4)), y: top.map((l) => plotText(clip(l.name, 40))), hovertext: hover, hoverinfo: 'text', marker: { color: '#e15759' } }],
    layout: { ...BASE_LAYOUT, height: 120 + top.length * 22, margin: { ...BASE_LAYOUT.margin, l: 10 }, xaxis: { title: { text: 'total wait (ms)' } }, yaxis: { type: 'category', automargin: true } },
  };
}
