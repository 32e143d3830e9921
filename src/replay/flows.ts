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
  gapAfterWake: number;
  gapAfterAck: number;
  slots: number;
  /** Open loop (no flow identity): the observed arrival times, replayed as they are. */
  arrivals: number[] | null;
}

const SCAN = 512;
/** Median: a few writes misread (a wakeup for another reason, an ACK matched to the wrong flow) must not set the pace. */
const median = (v: number[], dflt: number) => (v.length === 0 ? dflt : [...v].sort((a, b) => a - b)[v.length >> 1]);

/**
 * The trace says why a sender waited: it slept and a TX completion (NET_TX) or an ACK (NET_RX)
 * woke it (workload.ts). Writes after an ACK wakeup show its window: the skbs it then had in
 * flight, counted with ACKs matched in completion order (a few off either way, hence the
 * median). A sender never held back by ACKs keeps the most it ever had in flight.
 */
export function fitFlow(id: number, queue: string, its: WorkItem[], acksSeen: boolean): FlowModel {
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
    if (it.woke === WOKE_NONE) free.push(it.enq - its[k - 1].enq);
    else if (it.woke === WOKE_TX) wake.push(it.enq - it.wokeAt);
    else if (it.woke === WOKE_ACK) ackWake.push(it.enq - it.wokeAt);
  }
  const gapAfterWrite = median(free, 0);
  const gapAfterWake = median(wake, gapAfterWrite);
  return {
    id, queue, first: its[0].enq, tsq, window, gapAfterWrite, gapAfterWake, gapAfterAck: median(ackWake, gapAfterWake),
    slots: Math.max(...its.map((x) => x.slots)), arrivals: null,
  };
}

/**
 * Every queue's senders; a queue whose skbs name no thread becomes one open-loop stand-in.
 * Senders of one host share a TCP stack, so the windows read per flow are pooled (median):
 * per flow the count is biased by how its ACKs interleave with other flows'.
 */
export function fitFlows(queues: Map<string, QueueWorkload>): { flows: FlowModel[]; known: boolean } {
  const flows: FlowModel[] = [];
  let known = true;
  for (const [q, Q] of queues) {
    const byFlow = new Map<number, WorkItem[]>();
    for (const it of Q.items) byFlow.get(it.flow)?.push(it) ?? byFlow.set(it.flow, [it]);
    if ([...byFlow.keys()].some((f) => f < 0)) {
      known = false;
      const arrivals = Q.items.map((x) => x.enq).sort((a, b) => a - b);
      flows.push({ id: -1 - flows.length, queue: q, first: arrivals[0], tsq: Infinity, window: Infinity, gapAfterWrite: 0, gapAfterWake: 0, gapAfterAck: 0, slots: Q.maxSkbSlots, arrivals });
    } else for (const [id, its] of byFlow) flows.push(fitFlow(id, q, its, Q.ackModel !== null));
  }
  const windows = flows.filter((f) => f.arrivals === null && Number.isFinite(f.window)).map((f) => f.window);
  if (windows.length > 0) {
    const w = median(windows, Infinity);
    for (const f of flows) if (f.arrivals === null && Number.isFinite(f.window)) f.window = w;
  }
  return { flows: flows.sort((a, b) => a.first - b.first || a.id - b.id), known };
}
