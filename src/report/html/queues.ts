import type { QueueReplay, WhatIfResult } from '../../replay/index.js';
import { replayDocument } from '../../replay/index.js';
import type { ChartSpec, TableSpec } from './chart.js';
import { BASE_LAYOUT, MAX_POINTS, mergeIntervals, round, stepSeries, timeBins } from './chart.js';
import { plotText } from './escape.js';

/**
 * Queue occupancy timelines from the replay (DESIGN §6), one chart per queue (the busiest few),
 * with stall intervals shaded; then the per-queue figures and the what-if table. Occupancy is
 * cut to MAX_POINTS bins keeping each bin's maximum; stalls are merged to a few hundred shapes.
 */
const MAX_QUEUES = 6;

export function queueCharts(replay: QueueReplay, prefix: string): ChartSpec[] {
  const queues = [...replay.queues].sort((a, b) => b.accepted - a.accepted || (a.name < b.name ? -1 : 1)).slice(0, MAX_QUEUES);
  if (queues.length === 0) {
    return [{ id: `${prefix}-queue`, title: 'Queue occupancy', note: 'No queue events (net_dev_queue/net_dev_xmit/consume_skb, block_rq_issue/complete) in this input.' }];
  }
  const span = replay.endNs - replay.startNs;
  const bins = timeBins(replay.startNs, replay.endNs, MAX_POINTS);
  return queues.map((q, i) => {
    const occ = stepSeries(q.occupancy.t, q.occupancy.value, bins);
    const stalls = mergeIntervals(q.stallStart.view(), q.stallEnd.view(), span);
    const ms = (ns: number) => round((ns - replay.startNs) / 1e6, 6);
    const shapes = stalls.map(([s, e]) => ({ type: 'rect', xref: 'x', yref: 'paper', x0: ms(s), x1: ms(Math.max(e, s + span / 2000)), y0: 0, y1: 1, fillcolor: 'rgba(225,87,89,0.25)', line: { width: 0 }, layer: 'below' }));
    const name = plotText(q.name);
    return {
      id: `${prefix}-queue-${i}`,
      title: `Queue ${q.name}: occupancy, stalls shaded (${q.stallStart.n} stall${q.stallStart.n === 1 ? '' : 's'})`,
      data: [
        { type: 'scatter', mode: 'lines', line: { shape: 'hv', color: '#4e79a7', width: 1.2 }, name, x: occ.x, y: occ.y, hovertemplate: `${name}: %{y} in flight at %{x} ms<extra></extra>` },
        // A legend entry for the shading (shapes have none).
        { type: 'scatter', mode: 'markers', x: [null], y: [null], name: 'stalled (driver returned BUSY)', marker: { color: 'rgba(225,87,89,0.5)', symbol: 'square', size: 12 } },
      ],
      layout: { ...BASE_LAYOUT, height: 260, shapes, xaxis: { title: { text: 'time (ms)' }, range: [0, round(span / 1e6, 6)] }, yaxis: { title: { text: q.kind === 'net' ? 'skbs in the ring' : 'requests in flight' }, rangemode: 'tozero' }, legend: { orientation: 'h', y: 1.15 } },
    };
  });
}

export function queueTables(replay: QueueReplay, whatif: WhatIfResult[], prefix: string): TableSpec[] {
  const doc = replayDocument(replay, whatif);
  const tables: TableSpec[] = [];
  if (doc.queues.length > 0) {
    tables.push({
      id: `${prefix}-queue-table`,
      title: 'Queues',
      head: ['queue', 'kind', 'capacity', 'max occupancy', 'mean occupancy', 'stalled', 'stalls', 'p99 stall (µs)', 'done/s', 'unmatched'],
      rows: doc.queues.map((q) => [q.queue, q.kind, q.capacity ?? '—', q.max_occupancy, q.mean_occupancy, `${(q.stalled_fraction * 100).toFixed(2)}%`, q.stalls, round(q.p99_stall_ns / 1e3, 1), round(q.throughput_per_s, 0), q.unmatched]),
    });
  }
  tables.push({
    id: `${prefix}-whatif`,
    title: 'What-if (the senders replayed against another ring size / queue count)',
    note:
      doc.whatif.length === 0
        ? doc.queues.length === 0
          ? 'No queues to replay in this input.'
          : 'No what-if was asked for: run analyze with --ring-size N and/or --queues N (or tracelens replay).'
        : 'A model fitted to this trace (senders, ring, drain, ACK path), replayed several times: the range shows its spread, "model at observed ring" how far the model is from the trace itself. A prediction, not a measurement.',
    head: ['queue', 'change', 'stalled (before → after)', 'replay range', 'model at observed ring', 'p99 stall µs (before → after)', 'done/s (before → after)'],
    rows: doc.whatif.map((w) => [
      w.queue,
      w.change,
      `${(w.baseline.stalled_fraction * 100).toFixed(2)}% → ${(w.stalled_fraction * 100).toFixed(2)}%`,
      `${(w.replays.stalled_fraction_min * 100).toFixed(1)}–${(w.replays.stalled_fraction_max * 100).toFixed(1)}%`,
      w.model_at_observed === null ? '—' : `${(w.model_at_observed.stalled_fraction * 100).toFixed(2)}%`,
      `${(w.baseline.p99_stall_ns / 1e3).toFixed(1)} → ${(w.p99_stall_ns / 1e3).toFixed(1)}`,
      `${w.baseline.throughput_per_s.toFixed(0)} → ${w.throughput_per_s.toFixed(0)}`,
    ]),
  });
  return tables;
}
