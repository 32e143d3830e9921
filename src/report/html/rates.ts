import { KIND_CODE } from '../../model/schema.js';
import type { TraceModel } from '../../model/trace-model.js';
import type { TraceFacts } from '../../detectors/trace-facts.js';
import type { ChartSpec } from './chart.js';
import { BASE_LAYOUT, MAX_POINTS, binCentresMs, binOf, round, timeBins } from './chart.js';

/**
 * Syscall and TLB-flush rates over time on one chart (flushes on a second axis): the 64-bit PV
 * pattern is the two curves moving together. Syscalls are syscall_enter; a trace with only exits
 * (xentrace sees the PV `iret` return, not the call) counts those instead.
 */
export function syscallTlbChart(model: TraceModel, facts: TraceFacts, prefix: string): ChartSpec {
  const spec: ChartSpec = { id: `${prefix}-syscall-tlb`, title: 'Syscall vs TLB-flush rate over time' };
  const enters = facts.kindCounts.syscall_enter ?? 0;
  const exits = facts.kindCounts.syscall_exit ?? 0;
  const flushes = facts.kindCounts.tlb_flush ?? 0;
  if (enters + exits === 0 && flushes === 0) return { ...spec, note: 'No syscall or TLB-flush events in this input.' };
  if (!facts.hasTime || facts.durationNs <= 0) return { ...spec, note: 'This input has no timestamps: no rate over time.' };
  const sysCode = enters > 0 ? KIND_CODE.syscall_enter : KIND_CODE.syscall_exit;
  const tlbCode = KIND_CODE.tlb_flush;
  const bins = timeBins(facts.startNs, facts.endNs, Math.min(MAX_POINTS, 500));
  const sys = new Float64Array(bins.count);
  const tlb = new Float64Array(bins.count);
  const e = model.events;
  for (let i = 0; i < e.kind.length; i++) {
    const k = e.kind[i];
    if (k !== sysCode && k !== tlbCode) continue;
    const t = e.tsNs[i];
    if (Number.isNaN(t)) continue;
    (k === sysCode ? sys : tlb)[binOf(bins, t)]++;
  }
  const perSecond = 1e9 / bins.widthNs;
  const x = binCentresMs(bins);
  const line = (name: string, counts: Float64Array, color: string, yaxis: string) => ({
    type: 'scatter', mode: 'lines', name, x, y: Array.from(counts, (n) => round(n * perSecond, 0)), yaxis, line: { color, width: 1.5 },
    hovertemplate: `${name}: %{y}/s at %{x} ms<extra></extra>`,
  });
  const sysName = enters > 0 ? 'syscalls' : 'syscall returns';
  return {
    ...spec,
    data: [line(sysName, sys, '#4e79a7', 'y'), line('TLB flushes', tlb, '#e15759', 'y2')],
    layout: {
      ...BASE_LAYOUT,
      margin: { ...BASE_LAYOUT.margin, r: 70 },
      xaxis: { title: { text: 'time (ms)' } },
      yaxis: { title: { text: `${sysName}/s` }, rangemode: 'tozero' },
      yaxis2: { title: { text: 'TLB flushes/s' }, overlaying: 'y', side: 'right', rangemode: 'tozero' },
      legend: { orientation: 'h', y: 1.12 },
    },
  };
}
