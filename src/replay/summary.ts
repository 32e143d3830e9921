import type { LoopQueue } from './loop.js';
import type { QueueReplay, QueueTimeline, UnmatchedItem } from './queues.js';
import { nearestRank } from './series.js';

/**
 * Per-queue figures from the timelines, in the `tracelens.replay/v1` shape (DESIGN §8). The
 * first eight keys of a queue are the contract; the rest are extra detail a script may ignore.
 */

export const REPLAY_SCHEMA = 'tracelens.replay/v1';

export interface QueueSummary {
  queue: string;
  /** Items in the ring when the driver refused one (NETDEV_TX_BUSY): the ring was full there. Null when it never refused. */
  capacity: number | null;
  max_occupancy: number;
  stalled_fraction: number;
  stalls: number;
  p99_stall_ns: number;
  /** Completed items per second of the trace span. */
  throughput_per_s: number;
  /** Items seen arriving and never completed (the list is in `unmatched_items`). */
  unmatched: number;
  kind: 'net' | 'block';
  accepted: number;
  completed: number;
  dropped: number;
  busy_returns: number;
  mean_occupancy: number;
  /** Estimated ring slots (one per 4 KiB page + 1 per skb; one per block request). */
  max_slots: number;
  bytes_per_s: number;
  /** Completions per interrupt/softirq batch on one CPU; null when the trace has no interrupt events. */
  completions_per_batch: number | null;
  unmatched_items: UnmatchedItem[];
}

/** A prediction: the median replay's figures, the stalled fraction's range over the replays and how many there were. */
export interface Figures {
  stalled_fraction: number;
  p99_stall_ns: number;
  throughput_per_s: number;
  stalls: number;
  min: number;
  max: number;
  runs: number;
}

export interface WhatIfResult {
  queue: string;
  change: string;
  stalled_fraction: number;
  p99_stall_ns: number;
  throughput_per_s: number;
  baseline: { stalled_fraction: number; p99_stall_ns: number; throughput_per_s: number };
  /** Extra detail (the first six keys are the contract). */
  stalls: number;
  /** How many replays (different service-time draws) the median figures come from, and the stalled fraction's spread over them. */
  replays: { runs: number; stalled_fraction_min: number; stalled_fraction_max: number };
  /** Predicted minus observed. */
  delta: { stalled_fraction: number; p99_stall_ns: number; throughput_per_s: number };
  /** The model replayed against the observed ring: how far the model itself is from the trace; null for re-hashed queues. */
  model_at_observed: { stalled_fraction: number; p99_stall_ns: number; throughput_per_s: number } | null;
  /** The fitted ring drain: a batch of n skbs takes fixed_ns (kick + response) + n × per_skb_ns. */
  service: { fixed_ns: number; per_skb_ns: number };
  /** The fitted ACK path (FIFO server per queue, then a delay); null when the trace shows no ACKs. */
  ack_path: { per_skb_ns: number; delay_ns: number } | null;
  assumptions: string[];
}

export interface ReplayDocument {
  schema: typeof REPLAY_SCHEMA;
  span_ns: number;
  foreign_completions: number;
  queues: QueueSummary[];
  whatif: WhatIfResult[];
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

export function stallLengths(q: QueueTimeline): Float64Array {
  const s = q.stallStart.view();
  const e = q.stallEnd.view();
  const out = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = e[i] - s[i];
  return out;
}

export function summarizeQueue(r: QueueReplay, q: QueueTimeline): QueueSummary {
  const span = r.endNs - r.startNs;
  const lengths = stallLengths(q);
  let stalled = 0;
  for (const x of lengths) stalled += x;
  const perSecond = (x: number) => (span > 0 ? round((x * 1e9) / span, 3) : 0);
  return {
    queue: q.name,
    capacity: q.busyReturns > 0 ? q.fullAtItems : null,
    max_occupancy: q.occupancy.max,
    stalled_fraction: span > 0 ? round(stalled / span) : 0,
    stalls: lengths.length,
    p99_stall_ns: Math.round(nearestRank(lengths, 0.99)),
    throughput_per_s: perSecond(q.completed),
    unmatched: q.unmatched.length,
    kind: q.kind,
    accepted: q.accepted,
    completed: q.completed,
    dropped: q.dropped,
    busy_returns: q.busyReturns,
    mean_occupancy: round(q.occupancy.mean(r.startNs, r.endNs), 3),
    max_slots: q.slots.max,
    bytes_per_s: perSecond(q.bytes),
    completions_per_batch: r.batchingKnown && q.batches > 0 ? round(q.completed / q.batches, 3) : null,
    unmatched_items: q.unmatched,
  };
}

/** Queues in name order, so the same trace always gives the same document. */
export function replayDocument(r: QueueReplay, whatif: WhatIfResult[] = [], only?: string): ReplayDocument {
  const queues = r.queues
    .filter((q) => only === undefined || q.name === only)
    .map((q) => summarizeQueue(r, q))
    .sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
  return { schema: REPLAY_SCHEMA, span_ns: r.endNs - r.startNs, foreign_completions: r.foreignCompletions, queues, whatif };
}

/** The per-queue table for a terminal; unmatched items listed up to `listMax` per queue. */
export function renderReplayText(doc: ReplayDocument, listMax = 5): string {
  if (doc.queues.length === 0) return 'No queue events (net_dev_queue/net_dev_xmit/consume_skb, block_rq_issue/complete) in this trace.\n';
  const head = ['queue', 'kind', 'cap', 'max occ', 'mean occ', 'stalled', 'stalls', 'p99 stall', 'done/s', 'per batch', 'unmatched'];
  const rows = doc.queues.map((q) => [
    q.queue, q.kind, q.capacity === null ? '-' : String(q.capacity), String(q.max_occupancy), q.mean_occupancy.toFixed(2),
    `${(q.stalled_fraction * 100).toFixed(1)}%`, String(q.stalls), `${(q.p99_stall_ns / 1000).toFixed(1)} µs`,
    q.throughput_per_s.toFixed(0), q.completions_per_batch === null ? '-' : q.completions_per_batch.toFixed(2), String(q.unmatched),
  ]);
  const lines = [table(head, rows)];
  for (const q of doc.queues) {
    if (q.unmatched === 0) continue;
    lines.push(`\n${q.queue}: ${q.unmatched} unmatched item(s)`);
    for (const u of q.unmatched_items.slice(0, listMax)) lines.push(`  ${u.id}  ${u.stage} since ${(u.since_ns / 1e6).toFixed(3)} ms: ${u.reason}`);
    if (q.unmatched > listMax) lines.push(`  … and ${q.unmatched - listMax} more (all of them in --json)`);
  }
  if (doc.whatif.length > 0) {
    const wrows = doc.whatif.map((w) => [
      w.queue, w.change,
      `${(w.baseline.stalled_fraction * 100).toFixed(1)}% → ${shown(w.stalled_fraction, (x) => `${(x * 100).toFixed(1)}%`)}`,
      `${(w.baseline.p99_stall_ns / 1000).toFixed(1)} → ${shown(w.p99_stall_ns, (x) => (x / 1000).toFixed(1))} µs`,
      `${w.baseline.throughput_per_s.toFixed(0)} → ${shown(w.throughput_per_s, (x) => x.toFixed(0))}`,
    ]);
    lines.push('\nWhat-if (senders, ring, drain and ACK path replayed):', table(['queue', 'change', 'stalled', 'p99 stall', 'done/s'], wrows));
    // A refused what-if says why under the table (the reason is its first assumption), once for
    // the queues that share it.
    const why = new Map<string, string[]>();
    for (const w of doc.whatif) if (!Number.isFinite(w.stalled_fraction)) why.set(w.assumptions[0], [...(why.get(w.assumptions[0]) ?? []), w.queue]);
    for (const [reason, queues] of why) lines.push(`${queues.join(', ')}: ${reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A predicted figure, or "-" when the what-if refused to predict (NaN; null in JSON). */
const shown = (x: number, f: (x: number) => string) => (Number.isFinite(x) ? f(x) : '-');

/** A plain-text table: first column left-aligned, the rest right-aligned. */
export function table(head: string[], rows: string[][]): string {
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(width[c]) : x.padStart(width[c]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** One what-if entry: predicted figures `p` against the observed `baseline`, with the fitted drain and ACK path of `q`. */
export function whatIfResult(queue: string, change: string, p: Figures, baseline: WhatIfResult['baseline'], model: Figures | null, q: LoopQueue, notes: string[]): WhatIfResult {
  return {
    queue,
    change,
    stalled_fraction: p.stalled_fraction,
    p99_stall_ns: p.p99_stall_ns,
    throughput_per_s: p.throughput_per_s,
    baseline,
    stalls: p.stalls,
    replays: { runs: p.runs, stalled_fraction_min: p.min, stalled_fraction_max: p.max },
    delta: {
      stalled_fraction: round(p.stalled_fraction - baseline.stalled_fraction),
      p99_stall_ns: p.p99_stall_ns - baseline.p99_stall_ns,
      throughput_per_s: round(p.throughput_per_s - baseline.throughput_per_s, 3),
    },
    model_at_observed: model === null ? null : { stalled_fraction: model.stalled_fraction, p99_stall_ns: model.p99_stall_ns, throughput_per_s: model.throughput_per_s },
    service: { fixed_ns: Math.round(q.drain.kickNs + q.drain.respNs), per_skb_ns: Math.round(q.drain.perSkbNs) },
    ack_path: q.ack === null ? null : { per_skb_ns: Math.round(q.ack.perSkbNs), delay_ns: Math.round(q.ack.delayNs) },
    assumptions: notes,
  };
}
