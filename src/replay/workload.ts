import { KIND_CODE } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';
import type { AckModel, DrainModel } from './fit.js';
import { deviceOf, devicePollCv, perSkbByDevice } from './back-to-back.js';
import { fitAcks, fitDrains } from './fit.js';
import type { FlowModel } from './flows.js';
import { fitFlows } from './flows.js';
import { timeOrder } from './order.js';
import { NETDEV_TX_BUSY, slotsFor } from './queues.js';

/**
 * The workload a what-if replays (DESIGN §6): what the trace says about who offered packets to
 * each network TX queue, how the other end drained the ring, and how fast acknowledgements came
 * back. A TCP sender is a closed loop: it writes while it has fewer than its TCP-small-queues
 * limit below it (freed by TX completions) and fewer than its window in flight (freed by ACKs),
 * so the arrival *times* of the trace are not replayed; the loop's parts are fitted instead and
 * re-run against the other configuration (whatif.ts, loop.ts).
 */

/** One skb that went through a TX queue and completed. */
export interface WorkItem {
  flow: number;
  /** net_dev_queue time (the socket's write); the first offer when the trace has no net_dev_queue. */
  enq: number;
  acc: number;
  done: number;
  slots: number;
  /** When its ACK reached the sender (ACKs matched in completion order); Infinity when none was seen. */
  ack: number;
  /** What woke the sender since its previous write (WOKE_*), and when; NaN when it was not woken. */
  woke: number;
  wokeAt: number;
}

/** The sender did not sleep / was woken by a TX completion (NET_TX) / by an ACK (NET_RX) / by something else. */
export const WOKE_NONE = 0;
export const WOKE_TX = 1;
export const WOKE_ACK = 2;
export const WOKE_OTHER = 3;
const NET_TX = 2;
const NET_RX = 3;

/** ACK arrivals on one queue: NAPI polls of its RX interrupt, with the packets each processed. */
export interface AckEvents {
  t: number[];
  n: number[];
}

export interface QueueWorkload {
  items: WorkItem[];
  acks: AckEvents;
  ringSlots: number;
  /** False when the driver never refused an skb: ringSlots is then only a lower bound (the most ever in use). */
  refused: boolean;
  /** When the driver refused an skb (NETDEV_TX_BUSY), in time order: the end of the flush it stopped. */
  refusals: number[];
  maxSkbSlots: number;
  drain: DrainModel;
  /** Driver time per skb (net_dev_start_xmit → net_dev_xmit): a flush of the backlog takes that per skb. */
  xmitNs: number;
  /** Extra driver time of the first skb handed to an idle backend (the notification that kicks it). */
  notifyNs: number;
  /** Null when the trace shows no RX polls for the queue: no ACK clock to model. */
  ackModel: AckModel | null;
}

export interface Workload {
  startNs: number;
  endNs: number;
  /** Observed queue name (`eth0-q0`) → what happened on it, fitted. */
  queues: Map<string, QueueWorkload>;
  flows: FlowModel[];
  /** True when the trace names the sending thread of each skb; false → open-loop replay of the observed arrivals. */
  flowsKnown: boolean;
}

/** A TX queue's name as the replay prints it: `dev-qN`, or the device alone when no queue is named. */
const queueName = (dev: string, idx: number) => (idx >= 0 ? `${dev || '?'}-q${idx}` : dev || '?');

/** Pass over the net events: per skbaddr, who queued it, when it was offered, accepted, completed; per RX queue, ACK polls. */
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
  const offer = new Float64Array(ns).fill(NaN);
  const xmit = new Map<string, number[]>();
  const items = new Map<string, WorkItem[]>();
  const fullAt = new Map<string, number>();
  const refusals = new Map<string, number[]>();
  const flushFirst = new Map<string, number>();
  const notify = new Map<string, number[]>();
  const inRing = new Map<string, number>();
  const acks = new Map<string, AckEvents>();
  // Why a sender slept: the softirq that woke it. A wakeup inside NET_TX follows a TX
  // completion (TCP small queues), inside NET_RX an ACK (the window).
  const softirqOn = new Map<number, number>();
  const utidOfTid = new Map<number, number>();
  for (const th of model.threads) utidOfTid.set(th.tid, th.utid);
  const wokeKind = new Map<number, number>();
  const wokeAt = new Map<number, number>();
  const lastWrite = new Map<number, number>();
  const woke = new Float64Array(ns);
  const wokeTime = new Float64Array(ns).fill(NaN);
  // With every RX interrupt on one CPU, polls of several queues follow each other there without
  // a new interrupt; a sender the poll wakes names the queue better (its ACKs come back on it).
  const queueOfSender = new Map<number, string>();
  const ackHint = new Map<number, string>();
  // The RX interrupt names the queue (`eth0-q1-rx`); the NAPI poll that follows on that CPU does not.
  const rxQueueOnCpu = new Map<number, string>();
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
      const u = e.utid[i];
      const w = wokeAt.get(u);
      const asleep = w !== undefined && w >= (lastWrite.get(u) ?? -Infinity);
      woke[id] = asleep ? (wokeKind.get(u) as number) : WOKE_NONE;
      wokeTime[id] = asleep ? w : NaN;
      lastWrite.set(u, t);
      enq[id] = t;
      acc[id] = NaN;
      flow[id] = e.utid[i];
      len[id] = e.a1[i];
      qOf[id] = undefined;
    } else if (k === K.queue_start) {
      offer[id] = t;
      if (qOf[id] === undefined) qOf[id] = queueName(model.str(e.str0[i]), e.a3[i] >= 0 ? e.a3[i] : -1);
      if (enq[id] !== enq[id]) enq[id] = t;
      if (flow[id] < 0) flow[id] = e.utid[i];
      // The skb's sender, not the thread this runs on: a backlog flush runs in whatever
      // context freed the ring (another sender's syscall, a NET_TX softirq), often another queue's.
      if (flow[id] >= 0) queueOfSender.set(flow[id], qOf[id] as string);
      if (e.a1[i] > 0) len[id] = e.a1[i];
    } else if (k === K.queue_xmit) {
      const q = qOf[id] ?? (model.str(e.str0[i]) || '?');
      qOf[id] = q;
      if (e.a1[i] > 0) len[id] = e.a1[i];
      if (e.a2[i] === NETDEV_TX_BUSY) {
        fullAt.set(q, Math.max(fullAt.get(q) ?? 0, inRing.get(q) ?? 0));
        refusals.get(q)?.push(t) ?? refusals.set(q, [t]);
        flushFirst.set(q, NaN);
      } else if ((e.a2[i] === 0 || e.a2[i] !== e.a2[i]) && acc[id] !== acc[id]) {
        // After a refusal the first skb accepted kicks the idle backend; the next one is
        // offered only once that notification is done (see notifyOf).
        const f = flushFirst.get(q);
        if (f !== undefined && f !== f) flushFirst.set(q, t);
        else if (f !== undefined) {
          if (offer[id] === offer[id]) notify.get(q)?.push(offer[id] - f) ?? notify.set(q, [offer[id] - f]);
          flushFirst.delete(q);
        }
        acc[id] = t;
        if (enq[id] !== enq[id]) enq[id] = t;
        if (offer[id] === offer[id]) xmit.get(q)?.push(t - offer[id]) ?? xmit.set(q, [t - offer[id]]);
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
      list.push({ flow: f, enq: enq[id], acc: acc[id], done: t, slots: slotsFor(len[id]), ack: Infinity, woke: woke[id], wokeAt: wokeTime[id] });
      woke[id] = WOKE_NONE;
      wokeTime[id] = NaN;
      acc[id] = NaN;
      enq[id] = NaN;
      flow[id] = -1;
      qOf[id] = undefined;
    } else if (k === K.softirq_entry) {
      softirqOn.set(e.cpu[i], e.a0[i]);
      ackHint.delete(e.cpu[i]);
    } else if (k === K.softirq_exit) {
      softirqOn.delete(e.cpu[i]);
    } else if (k === K.sched_wakeup) {
      const u = utidOfTid.get(e.a0[i]);
      if (u === undefined) continue;
      const v = softirqOn.get(e.cpu[i]);
      wokeKind.set(u, v === NET_TX ? WOKE_TX : v === NET_RX ? WOKE_ACK : WOKE_OTHER);
      wokeAt.set(u, t);
      const sq = queueOfSender.get(u);
      if (v === NET_RX && sq !== undefined) ackHint.set(e.cpu[i], sq);
    } else if (k === K.irq_entry) {
      const m = /^(.*)-q(\d+)-rx$/.exec(model.str(e.str0[i]));
      if (m !== null) rxQueueOnCpu.set(e.cpu[i], queueName(m[1], Number(m[2])));
    } else if (k === K.napi_poll) {
      const q = ackHint.get(e.cpu[i]) ?? rxQueueOnCpu.get(e.cpu[i]);
      if (q === undefined || !(e.a0[i] > 0)) continue;
      let a = acks.get(q);
      if (a === undefined) acks.set(q, (a = { t: [], n: [] }));
      a.t.push(t);
      a.n.push(e.a0[i]);
    }
  }
  const queues: Workload['queues'] = new Map();
  const perSkb = perSkbByDevice(items);
  for (const [q, list] of [...items].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const maxSkbSlots = Math.max(...list.map((x) => x.slots));
    const a = acks.get(q) ?? { t: [], n: [] };
    matchAcks(list, a);
    const ringSlots = inferRing(fullAt.get(q), list, maxSkbSlots);
    const xmitNs = trimmedMean(xmit.get(q) ?? [0]);
    const notifyNs = notifyOf(notify.get(q) ?? [], xmitNs);
    queues.set(q, { items: list, acks: a, ringSlots, refused: fullAt.has(q), refusals: refusals.get(q) ?? [], maxSkbSlots, drain: NO_DRAIN, xmitNs, notifyNs, ackModel: a.t.length > 0 ? fitAcks(list, a) : null });
  }
  // A device's queues share one fixed latency, kick / response split and per-skb cost (fit.ts `fitDrains`).
  for (const dev of new Set([...queues.keys()].map(deviceOf))) {
    const qs = [...queues.values()].filter((_Q, k) => deviceOf([...queues.keys()][k]) === dev);
    fitDrains(qs.map((Q) => Q.items), qs.map((Q) => Q.xmitNs), perSkb.get(dev), qs.map((Q) => Q.refusals)).forEach((d, k) => (qs[k].drain = d));
    const pollCv = devicePollCv(qs);
    if (pollCv === pollCv) for (const Q of qs) Q.drain.pollCv = pollCv;
  }
  const { flows, known } = fitFlows(queues);
  return { startNs: start === start ? start : 0, endNs: end === end ? end : 0, queues, flows, flowsKnown: known };
}

/**
 * Mean of the middle 90 %: perf prints whole microseconds, so a 3.08 µs driver time reads as
 * 2, 3 or 4 and its median as 3; over a flush of several skbs the difference adds up.
 */
function trimmedMean(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const cut = Math.floor(s.length / 20);
  const mid = s.slice(cut, s.length - cut);
  return mid.length === 0 ? 0 : mid.reduce((a, b) => a + b, 0) / mid.length;
}

/**
 * After a refusal, the first skb of the backlog flush usually finds the backend idle (it
 * drained the ring) and notifies it before the driver offers the next: the gap from its accept
 * to the next offer (0 when the backend was still polling; the replay adds it only when idle,
 * so a pipelining trace reads it a little short). Gaps longer than a few driver times are
 * something else (an interrupt) and are left out.
 */
function notifyOf(gaps: number[], xmitNs: number): number {
  return trimmedMean(gaps.filter((g) => g >= 0 && g <= 4 * Math.max(xmitNs, 1000)));
}

const NO_DRAIN: DrainModel = { kickNs: 0, respNs: 0, perSkbNs: 0, cv: 0 };

/**
 * ACKs carry no skbaddr. Past the sender the queue's packets go through one backend queue in
 * order, so the k-th packet acknowledged is taken to be the k-th completed: each item gets the
 * time of the poll that brought the running ACK count past it.
 */
function matchAcks(list: WorkItem[], a: AckEvents): void {
  list.sort((x, y) => x.done - y.done);
  let k = 0;
  for (let p = 0; p < a.t.length && k < list.length; p++) for (let c = 0; c < a.n[p] && k < list.length; c++) list[k++].ack = a.t[p];
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
