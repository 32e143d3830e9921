import { KIND_CODE, kindTable } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';
import { span, timeOrder } from './order.js';
import { F64, StepSeries } from './series.js';

/**
 * What the network stack itself says about its queues, beside the skbs (issue 7):
 *
 * - `qdisc_dequeue` prints the TX queue's `txq_state`; bit 0 (__QUEUE_STATE_DRV_XOFF) means the
 *   driver stopped the queue. A dequeue that finds it stopped opens a *stop interval*, the next
 *   dequeue of the same qdisc that finds it running closes it. A qdisc is (ifindex, parent
 *   handle): under `mq` each TX queue has its own child qdisc (parent 1:N for queue N-1). The
 *   tracepoint names neither the device nor the queue, so the queue's name (`eth0-q1`) is
 *   learned from an skb the qdisc dequeued reaching net_dev_start_xmit.
 * - `napi_poll` prints the work done and the budget: polls that use the whole budget mean the
 *   device had more pending than one poll may take (NAPI polls again instead of re-enabling the
 *   interrupt), the usual sign of an RX or TX-completion backlog.
 */

export interface QdiscTimeline {
  ifindex: number;
  /** Parent handle as `major:minor` (hex, tc's notation); `root` for the device's root qdisc. */
  parent: string;
  /** The TX queue its skbs went to (`dev-qN`), or null when none reached net_dev_start_xmit. */
  queue: string | null;
  /** 1 while a dequeue last found the queue stopped, 0 after one found it running. */
  stopped: StepSeries;
  stopStart: F64;
  stopEnd: F64;
  dequeues: number;
  /** Dequeues that found the driver's queue stopped. */
  stoppedDequeues: number;
  /** Packets the dequeues handed on. */
  packets: number;
}

export interface NapiDevice {
  device: string;
  polls: number;
  work: number;
  /** Polls whose work reached the budget. */
  fullPolls: number;
  budget: number;
}

export interface DriverStateReplay {
  qdiscs: QdiscTimeline[];
  napi: NapiDevice[];
  startNs: number;
  endNs: number;
}

const DRV_XOFF = 1;
const READ = kindTable(['queue_dequeue', 'queue_start', 'napi_poll']);

export function replayDriverState(model: TraceModel): DriverStateReplay {
  const e = model.events;
  const K = KIND_CODE;
  const order = timeOrder(e.tsNs);
  const qdiscs = new Map<string, QdiscTimeline>();
  const dequeuedBy = new Map<number, QdiscTimeline>(); // skb id → the qdisc that last dequeued it
  const napi = new Map<string, NapiDevice>();
  const [startNs, endNs] = span(e.tsNs, order);
  for (let k = 0; k < e.tsNs.length; k++) {
    const i = order === null ? k : order[k];
    const kind = e.kind[i];
    if (READ[kind] === 0) continue;
    const at = e.tsNs[i];
    if (kind === K.queue_dequeue && e.a1[i] === e.a1[i]) {
      const q = qdiscOf(qdiscs, e.a3[i] === e.a3[i] ? e.a3[i] : -1, model.str(e.str0[i]));
      q.dequeues++;
      const stopped = (e.a1[i] & DRV_XOFF) !== 0;
      if (stopped) q.stoppedDequeues++;
      if (e.a2[i] > 0) q.packets += e.a2[i];
      if (stopped && q.stopped.current === 0) q.stopStart.push(at);
      if (!stopped && q.stopped.current === 1) q.stopEnd.push(at);
      q.stopped.set(at, stopped ? 1 : 0);
      if (e.a0[i] === e.a0[i]) dequeuedBy.set(e.a0[i], q);
    } else if (kind === K.queue_start) {
      const q = dequeuedBy.get(e.a0[i]);
      if (q !== undefined && q.queue === null) {
        const dev = model.str(e.str0[i]) || '?';
        q.queue = e.a3[i] === e.a3[i] ? `${dev}-q${e.a3[i]}` : dev;
      }
    } else if (kind === K.napi_poll && e.a0[i] === e.a0[i]) {
      const device = model.str(e.str0[i]) || '?';
      let d = napi.get(device);
      if (d === undefined) {
        d = { device, polls: 0, work: 0, fullPolls: 0, budget: 0 };
        napi.set(device, d);
      }
      const budget = e.a1[i];
      d.polls++;
      d.work += e.a0[i];
      if (budget > 0 && e.a0[i] >= budget) d.fullPolls++;
      if (budget > d.budget) d.budget = budget;
    }
  }
  // A queue still stopped at the end of the trace: its interval ends there.
  for (const q of qdiscs.values()) if (q.stopped.current === 1) q.stopEnd.push(endNs);
  return {
    qdiscs: [...qdiscs.values()].sort((a, b) => a.ifindex - b.ifindex || compare(a.parent, b.parent)),
    napi: [...napi.values()].sort((a, b) => compare(a.device, b.device)),
    startNs,
    endNs,
  };
}

function qdiscOf(qdiscs: Map<string, QdiscTimeline>, ifindex: number, parentHex: string): QdiscTimeline {
  const key = `${ifindex}/${parentHex}`;
  let q = qdiscs.get(key);
  if (q === undefined) {
    const h = parseInt(parentHex, 16);
    const parent = !(h >= 0) || h === 0xffffffff ? 'root' : `${(h >>> 16).toString(16)}:${(h & 0xffff).toString(16)}`;
    q = { ifindex, parent, queue: null, stopped: new StepSeries(), stopStart: new F64(), stopEnd: new F64(), dequeues: 0, stoppedDequeues: 0, packets: 0 };
    qdiscs.set(key, q);
  }
  return q;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Per-qdisc and per-device figures for the replay document. */
export function driverStateSummary(r: DriverStateReplay) {
  const span = r.endNs - r.startNs;
  return {
    qdiscs: r.qdiscs.map((q) => {
      let stoppedNs = 0;
      for (let k = 0; k < q.stopStart.n; k++) stoppedNs += q.stopEnd.v[k] - q.stopStart.v[k];
      return {
        ifindex: q.ifindex,
        parent: q.parent,
        queue: q.queue,
        dequeues: q.dequeues,
        stopped_dequeues: q.stoppedDequeues,
        stops: q.stopStart.n,
        stopped_fraction: span > 0 ? Math.round((stoppedNs / span) * 1e6) / 1e6 : 0,
      };
    }),
    napi: r.napi.map((d) => ({
      device: d.device,
      polls: d.polls,
      work_per_poll: d.polls > 0 ? Math.round((d.work / d.polls) * 1000) / 1000 : 0,
      full_polls: d.fullPolls,
      budget: d.budget,
    })),
  };
}
