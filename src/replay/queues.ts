import { KIND_CODE, kindTable } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';
import { Flushes, isFlush } from './flushes.js';
import { span, timeOrder } from './order.js';
import type { QueueReplay, QueueTimeline, ReplayOptions, UnmatchedItem } from './timeline.js';
import { NETDEV_TX_BUSY, newQueue, slotsFor } from './timeline.js';

/**
 * Queue timelines (DESIGN §6): one time-ordered pass over the events that matches every item's
 * arrival with its completion and keeps, per queue, occupancy as a step function, stall
 * intervals and completion batches.
 *
 * Network (per TX queue `dev-qN` when net_dev_start_xmit names the queue, else per device):
 *   net_dev_queue (queued) → net_dev_start_xmit (offered to the driver, queue known)
 *   → net_dev_xmit rc=0 (in the ring: occupancy +1) → consume_skb / kfree_skb (occupancy −1),
 *   all matched by skbaddr. rc=16 (NETDEV_TX_BUSY) leaves the skb requeued and opens a stall that
 *   the next accepted xmit on the queue closes — the simulator's and ring-full's definition.
 * Block (per device): block_rq_issue/insert → block_rq_complete, matched by (device, sector).
 *
 * consume_skb fires for every freed skb, most of which never went through a traced queue, so a
 * completion with no live item is ignored; an item whose id is reused (a new net_dev_queue with
 * the same skbaddr) before it completed is closed and reported as unmatched, not dropped, so the
 * occupancy can never drift or go negative.
 */

export { NETDEV_TX_BUSY, slotsFor } from './timeline.js';
export type { QueueReplay, QueueTimeline, ReplayOptions, UnmatchedItem } from './timeline.js';

const STAGE_NONE = 0;
const STAGE_QUEUED = 1;
const STAGE_OFFERED = 2;
const STAGE_RING = 3;
const STAGE_NAMES = ['queued', 'queued', 'offered', 'in-ring'] as const;

/** The kinds the pass reads; every other event is skipped after reading its kind. */
const HANDLED = kindTable(['irq_entry', 'softirq_entry', 'irq_vector_entry', 'queue_enqueue', 'queue_start', 'queue_xmit', 'queue_complete', 'block_issue', 'block_complete']);


/** Kinds the queue replay makes items of: a trace with none has no queue to replay. */
const QUEUE_KINDS = kindTable(['queue_enqueue', 'queue_start', 'queue_xmit', 'queue_complete', 'block_issue', 'block_complete']);

export function hasQueueEvents(model: TraceModel): boolean {
  const counts = model.eventStats.kindCounts;
  for (let k = 0; k < counts.length; k++) if (counts[k] > 0 && QUEUE_KINDS[k] === 1) return true;
  return false;
}

/**
 * One replay per model, shared: analyze's ring-full detector and its HTML report both read it,
 * and a replay with series also serves a caller that needs none. Callers only read it.
 */
const replays = new WeakMap<TraceModel, { keep: boolean; replay: QueueReplay }>();

export function replayQueues(model: TraceModel, options: ReplayOptions = {}): QueueReplay {
  const keep = options.series ?? true;
  const hit = replays.get(model);
  if (hit !== undefined && (hit.keep || !keep)) return hit.replay;
  const replay = replayOnce(model, keep);
  replays.set(model, { keep, replay });
  return replay;
}

function replayOnce(model: TraceModel, keep: boolean): QueueReplay {
  const e = model.events;
  const n = model.eventCount;
  const K = KIND_CODE;
  const order = timeOrder(e.tsNs);
  if (!hasQueueEvents(model)) {
    // Nothing to make items of (a xentrace, a profile): the pass would only skip every row.
    const [startNs, endNs] = span(e.tsNs, order);
    const c = model.eventStats.kindCounts;
    const interrupts = c[K.irq_entry] + c[K.softirq_entry] + c[K.irq_vector_entry];
    return { queues: [], startNs: startNs === startNs ? startNs : 0, endNs: endNs === endNs ? endNs : 0, batchingKnown: interrupts > 0, foreignCompletions: 0 };
  }
  const queues: QueueTimeline[] = [];
  const byKey = new Map<string, number>();
  const queueIndex = (key: string, name: string, kind: 'net' | 'block'): number => {
    let q = byKey.get(key);
    if (q === undefined) {
      q = queues.length;
      byKey.set(key, q);
      queues.push(newQueue(name, kind, keep));
    }
    return q;
  };
  // Net items are keyed by the string id of their skbaddr: dense ints, so plain typed arrays.
  const ns = model.strings.length;
  const stage = new Uint8Array(ns);
  const itemQueue = new Int32Array(ns).fill(-1);
  const itemDev = new Int32Array(ns).fill(-1);
  const itemSince = new Float64Array(ns);
  const itemAccepted = new Float64Array(ns);
  const itemLen = new Float64Array(ns);
  const devQueue = (dev: number) => queueIndex(`net ${dev}`, model.str(dev) || '?', 'net');
  const txQueue = (dev: number, idx: number) => queueIndex(`net ${dev} ${idx}`, `${model.str(dev) || '?'}-q${idx}`, 'net');
  const blockLive = new Map<number, Map<number, number>>(); // device string id → sector → issue time
  const flushes = new Flushes((name) => model.str(name).endsWith('insert'));
  const epoch = new Int32Array(Math.max(1, maxCpu(e.cpu) + 1));
  let batchingKnown = false;
  /** A completion on another CPU, or after an interrupt since the queue's last one, starts a batch. */
  const countBatch = (Q: QueueTimeline, cpu: number): void => {
    if (cpu !== Q.lastBatchCpu || (cpu >= 0 && epoch[cpu] !== Q.lastBatchEpoch)) {
      Q.batches++;
      Q.lastBatchCpu = cpu;
      Q.lastBatchEpoch = cpu >= 0 ? epoch[cpu] : -1;
    }
  };
  let foreign = 0;
  const [startNs, endNs] = span(e.tsNs, order);

  const unmatched = (q: number, id: number, reason: UnmatchedItem['reason']) => {
    if (keep) queues[q].unmatched.push({ id: model.str(id), stage: STAGE_NAMES[stage[id]], since_ns: itemSince[id], reason });
  };
  const leaveRing = (q: number, id: number, t: number) => {
    queues[q].occupancy.add(t, -1);
    queues[q].slots.add(t, -slotsFor(itemLen[id]));
  };
  const queueOfItem = (id: number) => (itemQueue[id] >= 0 ? itemQueue[id] : devQueue(itemDev[id]));

  for (let j = 0; j < n; j++) {
    const i = order === null ? j : order[j];
    const kind = e.kind[i];
    if (HANDLED[kind] === 0) continue; // most events: one table lookup
    const t = e.tsNs[i];
    if (t !== t) continue; // no time (profile rows): nothing to order
    if (kind === K.irq_entry || kind === K.softirq_entry || kind === K.irq_vector_entry) {
      // A new interrupt on this CPU: completions after it belong to a new batch.
      if (e.cpu[i] >= 0) epoch[e.cpu[i]]++;
      batchingKnown = true;
    } else if (kind === K.queue_enqueue) {
      const id = e.a0[i];
      if (stage[id] !== STAGE_NONE) {
        const q = queueOfItem(id);
        unmatched(q, id, 'id reused before completion');
        if (stage[id] === STAGE_RING) leaveRing(q, id, t);
      }
      stage[id] = STAGE_QUEUED;
      itemDev[id] = e.str0[i];
      itemQueue[id] = -1;
      itemSince[id] = t;
      itemLen[id] = e.a1[i];
    } else if (kind === K.queue_start) {
      const id = e.a0[i];
      if (stage[id] === STAGE_RING) {
        // An skb is in one ring once: offered again while in the ring means its address was reused.
        const old = queueOfItem(id);
        unmatched(old, id, 'id reused before completion');
        leaveRing(old, id, t);
        stage[id] = STAGE_NONE;
      }
      const q = e.a3[i] >= 0 ? txQueue(e.str0[i], e.a3[i]) : devQueue(e.str0[i]);
      if (stage[id] === STAGE_NONE) {
        itemSince[id] = t;
        itemLen[id] = NaN;
      }
      if (stage[id] !== STAGE_OFFERED || itemQueue[id] !== q) {
        // First offer to this queue: an arrival for the what-if replay (a requeue after BUSY is not).
        queues[q].arrivals.push(t);
        queues[q].arrivalSlots.push(slotsFor(itemLen[id] || e.a1[i]));
      }
      stage[id] = STAGE_OFFERED;
      itemDev[id] = e.str0[i];
      itemQueue[id] = q;
    } else if (kind === K.queue_xmit) {
      const id = e.a0[i];
      if (stage[id] === STAGE_RING) continue;
      if (stage[id] === STAGE_NONE) {
        itemSince[id] = t;
        itemDev[id] = e.str0[i];
        itemQueue[id] = -1;
        itemLen[id] = NaN;
      }
      const q = queueOfItem(id);
      const Q = queues[q];
      if (e.a1[i] > 0) itemLen[id] = e.a1[i];
      if (stage[id] !== STAGE_OFFERED) {
        Q.arrivals.push(t);
        Q.arrivalSlots.push(slotsFor(itemLen[id]));
      }
      const rc = e.a2[i];
      if (rc === NETDEV_TX_BUSY) {
        Q.busyReturns++;
        Q.fullAtItems = Math.max(Q.fullAtItems, Q.occupancy.current);
        Q.fullAtSlots = Math.max(Q.fullAtSlots, Q.slots.current);
        if (Q.stalledSince !== Q.stalledSince) Q.stalledSince = t;
        stage[id] = STAGE_OFFERED;
        itemQueue[id] = q;
      } else if (rc === 0 || rc !== rc) {
        if (Q.stalledSince === Q.stalledSince) {
          Q.stallStart.push(Q.stalledSince);
          Q.stallEnd.push(t);
          Q.stalledSince = NaN;
        }
        stage[id] = STAGE_RING;
        itemQueue[id] = q;
        itemAccepted[id] = t;
        Q.accepted++;
        Q.occupancy.add(t, 1);
        Q.slots.add(t, slotsFor(itemLen[id]));
      } else {
        // NET_XMIT_DROP / NET_XMIT_CN: the driver or qdisc dropped it; it never occupied the ring.
        Q.dropped++;
        stage[id] = STAGE_NONE;
      }
    } else if (kind === K.queue_complete) {
      const id = e.a0[i];
      if (stage[id] === STAGE_NONE) {
        foreign++;
        continue;
      }
      const q = queueOfItem(id);
      const Q = queues[q];
      if (stage[id] === STAGE_RING) {
        leaveRing(q, id, t);
        Q.completed++;
        Q.bytes += itemLen[id] > 0 ? itemLen[id] : 0;
        Q.residency.push(t - itemAccepted[id]);
        countBatch(Q, e.cpu[i]);
      } else {
        Q.dropped++; // freed before the driver took it (qdisc drop, or BUSY then freed)
      }
      stage[id] = STAGE_NONE;
    } else if (kind === K.block_issue) {
      const dev = e.str0[i];
      let live = blockLive.get(dev);
      if (live === undefined) blockLive.set(dev, (live = new Map()));
      const sector = e.a0[i];
      if (isFlush(sector, e.a1[i])) {
        if (!flushes.issue(dev, t, e.name[i])) continue;
      } else {
        if (live.has(sector)) continue; // insert then issue of one request
        live.set(sector, t);
      }
      const Q = queues[queueIndex(`block ${dev}`, `block ${model.str(dev) || '?'}`, 'block')];
      Q.arrivals.push(t);
      Q.arrivalSlots.push(1);
      Q.accepted++;
      Q.occupancy.add(t, 1);
      Q.slots.add(t, 1);
      if (e.a1[i] > 0) Q.bytes += e.a1[i];
    } else if (kind === K.block_complete) {
      const dev = e.str0[i];
      const sector = e.a0[i];
      const flush = isFlush(sector, e.a1[i]);
      const since = flush ? flushes.complete(dev) : blockLive.get(dev)?.get(sector);
      if (since === undefined) {
        foreign++;
        continue;
      }
      if (!flush) blockLive.get(dev)?.delete(sector);
      const Q = queues[queueIndex(`block ${dev}`, `block ${model.str(dev) || '?'}`, 'block')];
      Q.occupancy.add(t, -1);
      Q.slots.add(t, -1);
      Q.completed++;
      Q.residency.push(t - since);
      countBatch(Q, e.cpu[i]);
    }
  }

  // Whatever is still live at the end is reported, never silently dropped.
  for (let id = 0; id < ns; id++) if (stage[id] !== STAGE_NONE) unmatched(queueOfItem(id), id, 'not completed by the end of the trace');
  for (const [dev, live] of blockLive) {
    const Q = queues[queueIndex(`block ${dev}`, `block ${model.str(dev) || '?'}`, 'block')];
    for (const [sector, since] of live) Q.unmatched.push({ id: `sector ${sector}`, stage: 'issued', since_ns: since, reason: 'not completed by the end of the trace' });
  }
  for (const [dev, since] of flushes.live()) {
    const Q = queues[queueIndex(`block ${dev}`, `block ${model.str(dev) || '?'}`, 'block')];
    Q.unmatched.push({ id: 'flush', stage: 'issued', since_ns: since, reason: 'not completed by the end of the trace' });
  }
  for (const Q of queues) {
    Q.unmatched.sort((a, b) => a.since_ns - b.since_ns);
    if (Q.stalledSince === Q.stalledSince) {
      // A stall still open when the capture stopped lasts until its end.
      Q.stallStart.push(Q.stalledSince);
      Q.stallEnd.push(endNs);
    }
  }
  return { queues, startNs: startNs === startNs ? startNs : 0, endNs: endNs === endNs ? endNs : 0, batchingKnown, foreignCompletions: foreign };
}

function maxCpu(cpu: ArrayLike<number>): number {
  let m = -1;
  for (let i = 0; i < cpu.length; i++) if (cpu[i] > m) m = cpu[i];
  return m;
}
