import { KIND_CODE } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';
import { NETDEV_TX_BUSY, slotsFor, timeOrder } from './queues.js';

/**
 * The workload a what-if replays (DESIGN §6): what the trace says about who offered packets to
 * each network TX queue and how fast the other end drained the ring. Both are fitted so that
 * replaying them against the *observed* ring reproduces the observed queue, which is what makes a
 * replay against another ring comparable.
 *
 * Senders are closed loops, not an open arrival stream: a TCP socket keeps at most a few skbs
 * below it (TCP small queues) and writes the next one when a TX completion frees room. Replaying
 * the observed arrival *times* against a larger ring would miss that the sender then writes
 * faster, so a flow is modelled as (limit, delay after it may send) and only the timing of its
 * first write is taken verbatim.
 */

/** One skb that went through a TX queue and completed. */
export interface WorkItem {
  flow: number;
  /** net_dev_queue time (the socket's write); the first offer when the trace has no net_dev_queue. */
  enq: number;
  acc: number;
  done: number;
  slots: number;
}

/** A sender: the thread that queued the skbs (perf/ftrace name it), or one per arrival when unknown. */
export interface FlowModel {
  id: number;
  /** The observed queue it used. */
  queue: string;
  first: number;
  /** Most skbs it had queued and not yet completed (its TCP-small-queues limit). */
  limit: number;
  /** Mean time from "allowed to send" to the write: after its own previous write / after a completion unblocked it. */
  gapAfterWrite: number;
  gapAfterWake: number;
  slots: number;
  /** Open loop (no flow identity): the observed arrival times, replayed as they are. */
  arrivals: number[] | null;
}

/** Ring drain: a batch of n skbs taken by the backend completes `fixedNs + perItemNs × n` after it starts. */
export interface ServiceModel {
  fixedNs: number;
  perItemNs: number;
  batches: number;
}

export interface Workload {
  startNs: number;
  endNs: number;
  /** Observed queue name → its service model, items, and the ring size (slots) inferred for it. */
  queues: Map<string, { service: ServiceModel; items: WorkItem[]; ringSlots: number; maxSkbSlots: number }>;
  flows: FlowModel[];
  /** True when the trace names the sending thread of each skb; false → open-loop replay of the observed arrivals. */
  flowsKnown: boolean;
}

/** Pass over the net events: per skbaddr, who queued it, when it was offered, accepted, completed. */
export function extractWorkload(model: TraceModel): Workload {
  const e = model.events;
  const K = KIND_CODE;
  const order = timeOrder(e.tsNs);
  const ns = model.strings.length;
  const enq = new Float64Array(ns).fill(NaN);
  const acc = new Float64Array(ns).fill(NaN);
  const flow = new Int32Array(ns).fill(-1);
  const qOf = new Array<string | undefined>(ns);
  const len = new Float64Array(ns);
  const items = new Map<string, WorkItem[]>();
  const fullAt = new Map<string, number>();
  const inRing = new Map<string, number>();
  let start = NaN;
  let end = NaN;
  let anonymous = 0;
  for (let j = 0; j < model.eventCount; j++) {
    const i = order === null ? j : order[j];
    const t = e.tsNs[i];
    if (t !== t) continue;
    if (start !== start) start = t;
    end = t;
    const k = e.kind[i];
    const id = e.a0[i];
    if (k === K.queue_enqueue) {
      enq[id] = t;
      acc[id] = NaN;
      flow[id] = e.utid[i];
      len[id] = e.a1[i];
      qOf[id] = undefined;
    } else if (k === K.queue_start) {
      if (qOf[id] === undefined) qOf[id] = e.a3[i] >= 0 ? `${model.str(e.str0[i]) || '?'}-q${e.a3[i]}` : model.str(e.str0[i]) || '?';
      if (enq[id] !== enq[id]) enq[id] = t;
      if (flow[id] < 0) flow[id] = e.utid[i];
      if (e.a1[i] > 0) len[id] = e.a1[i];
    } else if (k === K.queue_xmit) {
      const q = qOf[id] ?? (model.str(e.str0[i]) || '?');
      qOf[id] = q;
      if (e.a1[i] > 0) len[id] = e.a1[i];
      if (e.a2[i] === NETDEV_TX_BUSY) fullAt.set(q, Math.max(fullAt.get(q) ?? 0, inRing.get(q) ?? 0));
      else if ((e.a2[i] === 0 || e.a2[i] !== e.a2[i]) && acc[id] !== acc[id]) {
        acc[id] = t;
        if (enq[id] !== enq[id]) enq[id] = t;
        inRing.set(q, (inRing.get(q) ?? 0) + slotsFor(len[id]));
      }
    } else if (k === K.queue_complete) {
      const q = qOf[id];
      if (q === undefined || acc[id] !== acc[id]) continue; // not one of ours, or freed before the ring
      inRing.set(q, (inRing.get(q) ?? 0) - slotsFor(len[id]));
      let list = items.get(q);
      if (list === undefined) items.set(q, (list = []));
      // Without a sending thread every skb is its own open-loop arrival (negative ids never collide with utids).
      const f = flow[id] >= 0 ? flow[id] : -1 - anonymous++;
      list.push({ flow: f, enq: enq[id], acc: acc[id], done: t, slots: slotsFor(len[id]) });
      acc[id] = NaN;
      enq[id] = NaN;
      flow[id] = -1;
      qOf[id] = undefined;
    }
  }
  const queues: Workload['queues'] = new Map();
  const flows: FlowModel[] = [];
  let flowsKnown = true;
  for (const [q, list] of [...items].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const maxSkbSlots = Math.max(...list.map((x) => x.slots));
    queues.set(q, { service: fitService(list), items: list, ringSlots: inferRing(fullAt.get(q), list, maxSkbSlots), maxSkbSlots });
    const byFlow = new Map<number, WorkItem[]>();
    for (const it of list) byFlow.get(it.flow)?.push(it) ?? byFlow.set(it.flow, [it]);
    if ([...byFlow.keys()].some((f) => f < 0)) {
      flowsKnown = false;
      flows.push({ id: -1 - flows.length, queue: q, first: list[0].enq, limit: Infinity, gapAfterWrite: 0, gapAfterWake: 0, slots: maxSkbSlots, arrivals: list.map((x) => x.enq).sort((a, b) => a - b) });
    } else for (const [id, its] of byFlow) flows.push(fitFlow(id, q, its));
  }
  return { startNs: start === start ? start : 0, endNs: end === end ? end : 0, queues, flows: flows.sort((a, b) => a.first - b.first || a.id - b.id), flowsKnown };
}

/**
 * The ring size is not in any tracepoint. A refusal says it is below (slots in use + the refused
 * skb's slots) and at least the slots in use; ring sizes are powers of two, so take the power of
 * two in that range (64 when 51 slots were in use and a 17-slot skb was refused). Never refused:
 * at least the most ever in use.
 */
function inferRing(full: number | undefined, list: WorkItem[], maxSkbSlots: number): number {
  let used = 0;
  const steps = list.flatMap((x) => [[x.acc, x.slots], [x.done, -x.slots]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let max = 0;
  for (const [, d] of steps) max = Math.max(max, (used += d));
  const low = Math.max(full ?? 0, max) + 1;
  let p = 1;
  while (p < low) p *= 2;
  return full !== undefined && p >= full + maxSkbSlots + 1 ? full + maxSkbSlots : p;
}

/**
 * Completions that share a timestamp came back in one batch (one completion interrupt). A batch
 * starts when the previous one ended or when its first skb entered the ring, whichever is later —
 * the same rule the replay uses to start batches, so the fit reproduces the observed ring. Least
 * squares of batch duration on batch size splits it into a fixed round trip and a per-skb cost.
 */
export function fitService(list: WorkItem[]): ServiceModel {
  const byDone = [...list].sort((a, b) => a.done - b.done);
  const xs: number[] = [];
  const ys: number[] = [];
  let prevEnd = -Infinity;
  for (let i = 0; i < byDone.length; ) {
    let j = i;
    let firstAcc = Infinity;
    while (j < byDone.length && byDone[j].done === byDone[i].done) firstAcc = Math.min(firstAcc, byDone[j++].acc);
    const begin = Math.max(prevEnd, firstAcc);
    if (Number.isFinite(prevEnd)) {
      xs.push(j - i);
      ys.push(byDone[i].done - begin);
    }
    prevEnd = byDone[i].done;
    i = j;
  }
  const n = xs.length;
  if (n === 0) return { fixedNs: 0, perItemNs: 0, batches: 0 };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  // One batch size only (or a negative slope from noise): no split is identifiable, charge it all per skb.
  const slope = sxx > 0 ? sxy / sxx : 0;
  if (!(slope > 0) || my - slope * mx < 0) return { fixedNs: 0, perItemNs: my / mx, batches: n };
  return { fixedNs: my - slope * mx, perItemNs: slope, batches: n };
}

/**
 * A sender's limit is the most skbs it had outstanding; each write is timed from the moment it
 * was allowed to send: its previous write when it was below the limit, else the completion that
 * brought it back under (the wakeup). The means of both delays keep its observed rate.
 */
function fitFlow(id: number, queue: string, its: WorkItem[]): FlowModel {
  its.sort((a, b) => a.enq - b.enq);
  let limit = 1;
  for (let k = 0; k < its.length; k++) {
    let o = 1;
    for (let j = k - 1; j >= 0 && j >= k - 64; j--) if (its[j].done > its[k].enq) o++;
    limit = Math.max(limit, o);
  }
  const free: number[] = [];
  const wake: number[] = [];
  // Skbs the flow queued before the capture began are invisible, so until its first one seen
  // completes it may look below its limit while it was not: those writes are not classified.
  const firstDone = Math.min(...its.map((x) => x.done));
  let minGap = Infinity;
  for (let k = 1; k < its.length; k++) {
    const prev = its[k - 1].enq;
    if (its[k].enq > prev) minGap = Math.min(minGap, its[k].enq - prev);
    if (prev < firstDone) continue;
    const out: number[] = [];
    for (let j = k - 1; j >= 0 && j >= k - 64; j--) if (its[j].done > prev) out.push(its[j].done);
    if (out.length < limit) free.push(its[k].enq - prev);
    else {
      out.sort((a, b) => a - b);
      const ready = out[out.length - limit];
      wake.push(its[k].enq - Math.max(prev, ready));
    }
  }
  const mean = (v: number[]) => (v.length === 0 ? 0 : v.reduce((a, b) => a + b, 0) / v.length);
  // Never seen below its limit: it would write as fast as its quickest observed back-to-back writes.
  const gapAfterWrite = free.length > 0 ? mean(free) : Number.isFinite(minGap) ? minGap : 0;
  return { id, queue, first: its[0].enq, limit, gapAfterWrite, gapAfterWake: mean(wake), slots: Math.max(...its.map((x) => x.slots)), arrivals: null };
}
