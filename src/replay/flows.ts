import type { QueueWorkload, WorkItem } from './workload.js';
import { WOKE_ACK, WOKE_NONE, WOKE_TX } from './workload.js';

/**
 * Senders as closed loops. A TCP sender writes its next skb when it has fewer than its TCP small
 * queues limit below it (qdisc + ring; TX completions free it) and fewer than its window in
 * flight (ACKs free it). Each write is timed from the moment it became allowed — its previous
 * write when it did not sleep, else the wakeup — and the median of each kind of delay is kept,
 * so a replay against a larger ring lets the sender go as fast as its clock does.
 */

export interface FlowModel {
  /** The sending thread (utid), or negative for the open-loop stand-in of a queue. */
  id: number;
  /** The observed queue it used. */
  queue: string;
  first: number;
  /** TCP-small-queues limit: most skbs it had queued and not yet completed. */
  tsq: number;
  /** Most skbs it had sent and not yet seen acknowledged (Infinity when the trace shows no ACKs). */
  window: number;
  /** Mean delay to the next write: after its own write / after a completion / after an ACK let it. */
  gapAfterWrite: number;
  /** The same after a write that handed its skb straight to the driver (it ran the xmit too); gapAfterWrite when absent. */
  gapAfterXmit?: number;
  gapAfterWake: number;
  gapAfterAck: number;
  slots: number;
  /** Open loop (no flow identity): the observed arrival times, replayed as they are. */
  arrivals: number[] | null;
}

const SCAN = 512;
const MIN_XMIT_GAPS = 5;
/**
 * Mean of the middle half: as robust to a few misread writes as the median, but not stuck on
 * the whole microseconds perf prints (a 10.5 µs gap is read as 10 or 11 by the median, and a
 * microsecond at the start decides how many requests the backend's first poll catches).
 */
const midMean = (v: number[], dflt: number) => {
  if (v.length === 0) return dflt;
  const s = [...v].sort((a, b) => a - b);
  const mid = s.slice(s.length >> 2, s.length - (s.length >> 2));
  return mid.reduce((a, b) => a + b, 0) / mid.length;
};
/** Median: a few writes misread (a wakeup for another reason, an ACK matched to the wrong flow) must not set the pace. */
const median = (v: number[], dflt: number) => (v.length === 0 ? dflt : [...v].sort((a, b) => a - b)[v.length >> 1]);

/**
 * The trace says why a sender waited: it slept and a TX completion (NET_TX) or an ACK (NET_RX)
 * woke it (workload.ts). Writes after an ACK wakeup show its window: the skbs it then had in
 * flight, counted with ACKs matched in completion order (a few off either way, hence the
 * median). A sender never held back by ACKs keeps the most it ever had in flight.
 */
export function fitFlow(id: number, queue: string, its: WorkItem[], acksSeen: boolean, xmitNs = 0, xmitGaps: number[] = []): FlowModel {
  its.sort((a, b) => a.enq - b.enq);
  let tsq = 1;
  let most = 1;
  const atAckWake: number[] = [];
  for (let k = 0; k < its.length; k++) {
    let below = 1;
    let inflight = 1;
    for (let j = k - 1; j >= 0 && j >= k - SCAN; j--) {
      if (its[j].done > its[k].enq) below++;
      if (its[j].ack > its[k].enq) inflight++;
    }
    tsq = Math.max(tsq, below);
    most = Math.max(most, inflight);
    if (its[k].woke === WOKE_ACK) atAckWake.push(inflight);
  }
  const window = !acksSeen ? Infinity : median(atAckWake, most);
  const free: number[] = [];
  const wake: number[] = [];
  const ackWake: number[] = [];
  for (let k = 1; k < its.length; k++) {
    const it = its[k];
    // A write whose skb went straight to the driver ran the xmit too: its gap is kept apart.
    if (it.woke === WOKE_NONE) (its[k - 1].acc - its[k - 1].enq <= 2 * xmitNs ? xmitGaps : free).push(it.enq - its[k - 1].enq);
    else if (it.woke === WOKE_TX) wake.push(it.enq - it.wokeAt);
    else if (it.woke === WOKE_ACK) ackWake.push(it.enq - it.wokeAt);
  }
  const gapAfterWrite = midMean(free, 0);
  const gapAfterWake = midMean(wake, gapAfterWrite);
  return {
    id, queue, first: its[0].enq, tsq, window, gapAfterWrite, gapAfterWake, gapAfterAck: midMean(ackWake, gapAfterWake),
    slots: Math.max(...its.map((x) => x.slots)), arrivals: null,
  };
}

/**
 * Skbs a queue's senders had in flight at the most, per sender: written (net_dev_queue) and not
 * yet acknowledged, counted at the queue — the ACK polls' work counts are exact there, whereas
 * per flow the ACKs are matched in completion order and some land on the wrong flow. The peak
 * is a lower bound on the window (it is the window when all the queue's senders were held by
 * it at once) and does not depend on that matching.
 */
function peakInflightPerFlow(Q: QueueWorkload, flows: number): number {
  const ev: [number, number][] = Q.items.map((x) => [x.enq, 1]);
  for (let p = 0; p < Q.acks.t.length; p++) ev.push([Q.acks.t[p], -Q.acks.n[p]]);
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let n = 0;
  let peak = 0;
  for (const [, d] of ev) peak = Math.max(peak, (n += d));
  return peak / flows;
}

/**
 * Every queue's senders; a queue whose skbs name no thread becomes one open-loop stand-in.
 * Senders of one host share a TCP stack, so one window is used for all: the largest per-sender
 * peak in flight over the queues whose senders were ever woken by an ACK (held by the window),
 * else the median of the windows read per flow.
 */
export function fitFlows(queues: Map<string, QueueWorkload>): { flows: FlowModel[]; known: boolean } {
  const flows: FlowModel[] = [];
  const xmitGaps: number[] = [];
  let known = true;
  for (const [q, Q] of queues) {
    const byFlow = new Map<number, WorkItem[]>();
    for (const it of Q.items) byFlow.get(it.flow)?.push(it) ?? byFlow.set(it.flow, [it]);
    if ([...byFlow.keys()].some((f) => f < 0)) {
      known = false;
      const arrivals = Q.items.map((x) => x.enq).sort((a, b) => a - b);
      flows.push({ id: -1 - flows.length, queue: q, first: arrivals[0], tsq: Infinity, window: Infinity, gapAfterWrite: 0, gapAfterWake: 0, gapAfterAck: 0, slots: Q.maxSkbSlots, arrivals });
    } else for (const [id, its] of byFlow) flows.push(fitFlow(id, q, its, Q.ackModel !== null, Q.xmitNs, xmitGaps));
  }
  // Few writes go straight to the driver while a ring is full, so their gaps are pooled over
  // the host's senders; too few seen: the other gap plus the driver's time.
  const direct = xmitGaps.length >= MIN_XMIT_GAPS ? midMean(xmitGaps, 0) : NaN;
  for (const f of flows) if (f.arrivals === null) f.gapAfterXmit = direct === direct ? direct : f.gapAfterWrite + (queues.get(f.queue)?.xmitNs ?? 0);
  const windows = flows.filter((f) => f.arrivals === null && Number.isFinite(f.window)).map((f) => f.window);
  let peak = 0;
  for (const [, Q] of queues) {
    const senders = new Set(Q.items.map((x) => x.flow));
    if (Q.ackModel !== null && ![...senders].some((f) => f < 0) && Q.items.some((x) => x.woke === WOKE_ACK)) peak = Math.max(peak, peakInflightPerFlow(Q, senders.size));
  }
  if (windows.length > 0) {
    const w = peak >= 1 ? Math.round(peak) : median(windows, Infinity);
    for (const f of flows) if (f.arrivals === null && Number.isFinite(f.window)) f.window = w;
  }
  return { flows: flows.sort((a, b) => a.first - b.first || a.id - b.id), known };
}
