import { F64, StepSeries } from './series.js';

/**
 * The shapes the queue replay fills (queues.ts): per queue its timelines and counts, the
 * replay's options, and the ring-slot estimate. Kept apart so the pass itself reads alone.
 */

export const NETDEV_TX_BUSY = 16;

/** Ring slots of an skb on a Xen netfront ring: one per 4 KiB page plus the extra-info slot. */
export function slotsFor(bytes: number): number {
  return bytes > 0 ? Math.ceil(bytes / 4096) + 1 : 1;
}

export interface UnmatchedItem {
  /** skbaddr, or `sector N` for block requests. */
  id: string;
  /** How far the item got: queued (net_dev_queue), offered (start_xmit / BUSY), in-ring, issued (block). */
  stage: 'queued' | 'offered' | 'in-ring' | 'issued';
  since_ns: number;
  reason: 'not completed by the end of the trace' | 'id reused before completion';
}

export interface QueueTimeline {
  name: string;
  kind: 'net' | 'block';
  /** Items accepted by the driver (net) or issued (block) and not yet completed. */
  occupancy: StepSeries;
  /** Estimated ring slots in use (net: slotsFor(len) per skb; block: one per request). */
  slots: StepSeries;
  stallStart: F64;
  stallEnd: F64;
  /** Open stall start (NaN when running). */
  stalledSince: number;
  /** Occupancy (items / slots) when the driver last refused an skb: the ring was full there. */
  fullAtItems: number;
  fullAtSlots: number;
  busyReturns: number;
  /** First offer of each item to the queue (start_xmit, else the accepted xmit; block: issue). */
  arrivals: F64;
  /** Slots of each arrival, parallel to `arrivals`. */
  arrivalSlots: F64;
  /** Time each completed item spent in the ring (accept → completion). */
  residency: F64;
  accepted: number;
  completed: number;
  dropped: number;
  bytes: number;
  /** Distinct (CPU, interrupt epoch) groups the completions came in: packets per notification. */
  batches: number;
  lastBatchCpu: number;
  lastBatchEpoch: number;
  unmatched: UnmatchedItem[];
}

export interface QueueReplay {
  queues: QueueTimeline[];
  startNs: number;
  endNs: number;
  /** False when the trace has no irq/softirq entries: batches then say nothing. */
  batchingKnown: boolean;
  /** Completions (consume_skb/kfree_skb, block completes) with no live item: not ours, or begun before the capture. */
  foreignCompletions: number;
}

export function newQueue(name: string, kind: 'net' | 'block', keep: boolean): QueueTimeline {
  return {
    name, kind, occupancy: new StepSeries(keep), slots: new StepSeries(keep), stallStart: new F64(), stallEnd: new F64(),
    stalledSince: NaN, fullAtItems: 0, fullAtSlots: 0, busyReturns: 0, arrivals: new F64(64, keep), arrivalSlots: new F64(64, keep),
    residency: new F64(64, keep), accepted: 0, completed: 0, dropped: 0, bytes: 0, batches: 0, lastBatchCpu: -1, lastBatchEpoch: -1, unmatched: [],
  };
}

export interface ReplayOptions {
  /**
   * Keep the step series (occupancy, slots), arrivals and residencies: true by default. False
   * gives the stall intervals and counts alone, at a fraction of the memory — all the ring-full
   * detector reads (on a 300 MB ftrace file the series cost ~20 MB). Unmatched skbs are then
   * not listed either (80k of them there, as objects).
   */
  series?: boolean;
}
