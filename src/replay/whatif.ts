import type { TraceModel } from '../model/trace-model.js';
import { nearestRank } from './series.js';
import type { QueueSummary, WhatIfResult } from './summary.js';
import type { FlowModel, ServiceModel, Workload } from './workload.js';
import { extractWorkload } from './workload.js';

/**
 * What-if (DESIGN §6, issue 7): replay the trace's senders against another TX ring size or
 * queue count and predict each queue's stalled fraction, p99 stall and throughput.
 *
 * The ring follows netfront's rules (src/sim/netfront.ts, and the driver upstream): an skb that
 * does not fit is refused (NETDEV_TX_BUSY) and requeued, the queue stays stopped until a
 * completion leaves room for the largest skb, then the backlog goes out; a stall runs from the
 * refusal to the next accepted skb — the definition the replay of the trace and the simulator's
 * truth use, so observed, predicted and simulated figures are the same quantity.
 */

export interface WhatIfOptions {
  ringSlots?: number;
  queues?: number;
}

interface Outcome {
  stalls: number[];
  completed: number;
}

interface Pkt {
  flow: number;
  slots: number;
}

const BUDGET = 64;

/** One TX queue with its senders, from the start of the trace to its end. */
export function replayRing(flows: FlowModel[], service: ServiceModel, ringSlots: number, maxSkbSlots: number, startNs: number, endNs: number): Outcome {
  const st = flows.map((f) => ({ out: 0, next: f.arrivals === null ? f.first : (f.arrivals[0] ?? Infinity), idx: 0 }));
  let free = ringSlots;
  let stopped = false;
  let reopened = false;
  let stopAt = startNs;
  const backlog: Pkt[] = [];
  let unserved: Pkt[] = [];
  let batch: Pkt[] = [];
  let batchEnd = Infinity;
  const stalls: number[] = [];
  let completed = 0;

  const transmit = (p: Pkt, t: number) => {
    if (free < p.slots) {
      stopped = true;
      stopAt = t;
      backlog.unshift(p);
      return;
    }
    free -= p.slots;
    unserved.push(p);
    if (reopened) {
      stalls.push(t - stopAt);
      reopened = false;
    }
  };
  const startBatch = (t: number) => {
    if (batch.length > 0 || unserved.length === 0) return;
    batch = unserved.slice(0, BUDGET);
    unserved = unserved.slice(batch.length);
    batchEnd = t + service.fixedNs + service.perItemNs * batch.length;
  };

  for (;;) {
    let w = -1;
    for (let i = 0; i < st.length; i++) if (w < 0 || st[i].next < st[w].next) w = i;
    const tw = w < 0 ? Infinity : st[w].next;
    const t = Math.min(tw, batch.length > 0 ? batchEnd : Infinity);
    if (!(t <= endNs)) break;
    if (batch.length > 0 && batchEnd <= tw) {
      for (const p of batch) {
        free += p.slots;
        completed++;
        const s = st[p.flow];
        const f = flows[p.flow];
        s.out--;
        // A sender held back by its limit writes again once a completion lets it.
        if (f.arrivals === null && s.next === Infinity && s.out < f.limit) s.next = t + f.gapAfterWake;
      }
      batch = [];
      if (stopped && free >= maxSkbSlots) {
        stopped = false;
        reopened = true;
        while (backlog.length > 0 && !stopped) transmit(backlog.shift() as Pkt, t);
      }
    } else {
      const f = flows[w];
      const s = st[w];
      const p = { flow: w, slots: f.slots };
      s.out++;
      if (stopped || backlog.length > 0) backlog.push(p);
      else transmit(p, t);
      if (f.arrivals !== null) s.next = f.arrivals[++s.idx] ?? Infinity;
      else s.next = s.out < f.limit ? t + f.gapAfterWrite : Infinity;
    }
    startBatch(t);
  }
  if (stopped || reopened) stalls.push(endNs - stopAt);
  return { stalls, completed };
}

/** Many queues' drains pooled, weighted by how many batches each was fitted on. */
function pooled(models: ServiceModel[]): ServiceModel {
  const n = models.reduce((a, m) => a + m.batches, 0);
  if (n === 0) return { fixedNs: 0, perItemNs: 0, batches: 0 };
  return {
    fixedNs: models.reduce((a, m) => a + m.fixedNs * m.batches, 0) / n,
    perItemNs: models.reduce((a, m) => a + m.perItemNs * m.batches, 0) / n,
    batches: n,
  };
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

function figures(o: Outcome, span: number) {
  const stalled = o.stalls.reduce((a, b) => a + b, 0);
  return {
    stalled_fraction: span > 0 ? round(stalled / span) : 0,
    stalls: o.stalls.length,
    p99_stall_ns: Math.round(nearestRank(o.stalls, 0.99)),
    throughput_per_s: span > 0 ? round((o.completed * 1e9) / span, 3) : 0,
  };
}

/**
 * Predictions for a ring of `ringSlots` slots and/or `queues` queues, one per (new) queue, with
 * the observed figures as the baseline and the model replayed against the observed ring beside
 * them (how far the model itself is from the trace).
 */
export function whatIf(w: Workload, observed: QueueSummary[], opts: WhatIfOptions): WhatIfResult[] {
  const span = w.endNs - w.startNs;
  const names = [...w.queues.keys()];
  if (names.length === 0 || (opts.ringSlots === undefined && opts.queues === undefined)) return [];
  const notes: string[] = [];
  if (!w.flowsKnown) notes.push('the trace does not name the sending thread: arrivals replayed at their observed times (open loop), so a sender that would go faster with more room does not');
  else notes.push('senders = the threads that queued the skbs, each as a closed loop (at most its observed outstanding skbs, writing after its observed delays)');
  const base = (q: string) => {
    const s = observed.find((x) => x.queue === q);
    return { stalled_fraction: s?.stalled_fraction ?? 0, p99_stall_ns: s?.p99_stall_ns ?? 0, throughput_per_s: s?.throughput_per_s ?? 0 };
  };
  const results: WhatIfResult[] = [];
  const ringOf = (q: string) => w.queues.get(q)?.ringSlots ?? 0;
  if (opts.queues === undefined) {
    for (const q of names) {
      const Q = w.queues.get(q);
      if (Q === undefined) continue;
      const flows = w.flows.filter((f) => f.queue === q);
      const ring = opts.ringSlots ?? Q.ringSlots;
      const predicted = figures(replayRing(flows, Q.service, ring, Q.maxSkbSlots, w.startNs, w.endNs), span);
      const model = figures(replayRing(flows, Q.service, Q.ringSlots, Q.maxSkbSlots, w.startNs, w.endNs), span);
      results.push(result(q, `ring ${Q.ringSlots} → ${ring} slots`, predicted, base(q), model, Q.service, notes));
    }
    return results;
  }
  // More (or fewer) queues: flows re-hashed. The real hash needs the 4-tuple, which no event
  // carries, so flows are dealt round-robin in order of first appearance — an even spread.
  notes.push(`flows dealt round-robin onto ${opts.queues} queues in order of first appearance (the kernel hashes the 4-tuple, which the trace does not carry; a real hash can collide)`);
  notes.push('every queue drains like the observed ones pooled (its own backend; no extra contention between them)');
  const service = pooled(names.map((q) => (w.queues.get(q) as { service: ServiceModel }).service));
  const ring = opts.ringSlots ?? Math.min(...names.map(ringOf));
  const maxSkb = Math.max(...names.map((q) => w.queues.get(q)?.maxSkbSlots ?? 1));
  const dev = names[0].replace(/-q\d+$/, '');
  for (let k = 0; k < opts.queues; k++) {
    const flows = w.flows.filter((_f, i) => i % (opts.queues as number) === k);
    const q = `${dev}-q${k}`;
    const predicted = figures(replayRing(flows, service, ring, maxSkb, w.startNs, w.endNs), span);
    const change = `queues ${names.length} → ${opts.queues}${opts.ringSlots !== undefined ? `, ring ${Math.min(...names.map(ringOf))} → ${ring} slots` : ''}; ${flows.length} flow(s)`;
    results.push(result(q, change, predicted, base(q), null, service, notes));
  }
  return results;
}

function result(queue: string, change: string, p: ReturnType<typeof figures>, baseline: WhatIfResult['baseline'], model: ReturnType<typeof figures> | null, s: ServiceModel, notes: string[]): WhatIfResult {
  return {
    queue,
    change,
    stalled_fraction: p.stalled_fraction,
    p99_stall_ns: p.p99_stall_ns,
    throughput_per_s: p.throughput_per_s,
    baseline,
    stalls: p.stalls,
    delta: {
      stalled_fraction: round(p.stalled_fraction - baseline.stalled_fraction),
      p99_stall_ns: p.p99_stall_ns - baseline.p99_stall_ns,
      throughput_per_s: round(p.throughput_per_s - baseline.throughput_per_s, 3),
    },
    model_at_observed: model === null ? null : { stalled_fraction: model.stalled_fraction, p99_stall_ns: model.p99_stall_ns, throughput_per_s: model.throughput_per_s },
    service: { fixed_ns: Math.round(s.fixedNs), per_skb_ns: Math.round(s.perItemNs) },
    assumptions: notes,
  };
}

/** The what-if for a loaded trace (the `replay` command's entry). */
export function whatIfForTrace(model: TraceModel, observed: QueueSummary[], opts: WhatIfOptions): WhatIfResult[] {
  return whatIf(extractWorkload(model), observed, opts);
}
