import type { AckEvents, WorkItem } from './workload.js';

/**
 * The two servers of a sender's loop that the guest trace sees only from outside, each fitted
 * by replaying the trace's own inputs through a small model of it and choosing the parameters
 * whose outputs land closest (sum of absolute errors) to what the trace shows:
 *
 * - the ring **drain** (netback's TX side): idle, it is kicked and starts a poll `kickNs` after
 *   the first request; a poll takes what was published by then (≤ 64, NAPI's budget), costs
 *   `perSkbNs` each, and its completions reach the guest `respNs` after it ends; with more
 *   work pending it polls again at once. Accepted times in, completion times out.
 * - the **ACK path** (backend RX copy, the receiver, the ACK's way back): one FIFO server per
 *   queue taking up to `batch` waiting packets per pass at `perSkbNs` each, then `delayNs`
 *   before the sender sees their ACKs together. Completion times in, ACK times out. `batch` is
 *   what the sender's RX polls show (the 90th percentile of ACKs per poll): ACKs come back in
 *   bursts, and a burst of wakeups is what refills a ring.
 *
 * A grid, not a solver: the error is piecewise linear with many kinks and a grid of a few
 * thousand points over at most FIT_ITEMS items is cheap and never lands in a local minimum.
 */

export interface DrainModel {
  kickNs: number;
  respNs: number;
  perSkbNs: number;
  /** Coefficient of variation the fit leaves unexplained (RMS residual / median sojourn). */
  cv: number;
}

export interface AckModel {
  perSkbNs: number;
  delayNs: number;
  /** Most packets one pass of the server takes (and acknowledges together). */
  batch: number;
}

export const NAPI_BUDGET = 64;
const FIT_ITEMS = 4000;

/**
 * Completion times the drain model gives for requests published at `acc` (sorted); written to
 * `out`. Responses notify the guest only when its completion handler is armed: a poll that
 * ends while a notification is in flight joins it (netfront's event suppression).
 */
export function drainTimes(acc: ArrayLike<number>, m: DrainModel, out: Float64Array): void {
  let free = -Infinity; // when the backend ends its current poll
  let handler = -Infinity; // when the pending completion handler runs
  for (let i = 0; i < acc.length; ) {
    const begin = acc[i] >= free ? acc[i] + m.kickNs : free;
    let j = i;
    while (j < acc.length && j - i < NAPI_BUDGET && acc[j] <= begin) j++;
    if (j === i) j = i + 1;
    free = begin + (j - i) * m.perSkbNs;
    if (free > handler) handler = free + m.respNs;
    for (; i < j; i++) out[i] = handler;
  }
}

/** ACK times the ACK-path model gives for packets completed at `done` (sorted); written to `out`. */
export function ackTimes(done: ArrayLike<number>, m: AckModel, out: Float64Array): void {
  let free = -Infinity;
  for (let i = 0; i < done.length; ) {
    const begin = Math.max(free, done[i]);
    let j = i;
    while (j < done.length && j - i < m.batch && done[j] <= begin) j++;
    free = begin + (j - i) * m.perSkbNs;
    for (; i < j; i++) out[i] = free + m.delayNs;
  }
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)];
};

function absError(pred: Float64Array, obs: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < pred.length; i++) e += Math.abs(pred[i] - obs[i]);
  return e;
}

/** Grid search, then a finer grid around the best point. */
function search(ranges: [number, number][], steps: number, cost: (p: number[]) => number): number[] {
  let best: number[] = ranges.map(([lo]) => lo);
  let bestCost = Infinity;
  let rs = ranges;
  for (let round = 0; round < 2; round++) {
    const grid = (d: number, p: number[]): void => {
      if (d === rs.length) {
        const c = cost(p);
        if (c < bestCost) {
          bestCost = c;
          best = [...p];
        }
        return;
      }
      const [lo, hi] = rs[d];
      for (let k = 0; k <= steps; k++) grid(d + 1, [...p, lo + ((hi - lo) * k) / steps]);
    };
    grid(0, []);
    rs = rs.map(([lo, hi], d) => {
      const w = (hi - lo) / steps;
      return [Math.max(0, best[d] - w), best[d] + w] as [number, number];
    });
  }
  return best;
}

/**
 * netfront publishes requests (and kicks an idle backend) once a write or a backlog flush is
 * done, so a request counts from the last accept of its burst: accepts at most two driver
 * times apart (`xmitNs`) are one flush.
 */
export function publishTimes(acc: Float64Array, xmitNs: number): Float64Array {
  const pub = new Float64Array(acc.length);
  for (let i = acc.length - 1; i >= 0; i--) pub[i] = i + 1 < acc.length && acc[i + 1] - acc[i] <= 2 * xmitNs ? pub[i + 1] : acc[i];
  return pub;
}

export function fitDrain(list: WorkItem[], xmitNs: number): DrainModel {
  const its = [...list].sort((a, b) => a.acc - b.acc).slice(0, FIT_ITEMS);
  if (its.length === 0) return { kickNs: 0, respNs: 0, perSkbNs: 0, cv: 0 };
  const acc = publishTimes(Float64Array.from(its, (x) => x.acc), xmitNs);
  const done = Float64Array.from(its, (x) => x.done);
  const out = new Float64Array(its.length);
  const sojourn = median(its.map((x) => x.done - x.acc));
  // The split of the fixed part between kick and response matters only for which requests a
  // poll catches; it is searched as a share of the total.
  const [fixed, share, per] = search([[0, sojourn], [0, 1], [0, sojourn]], 12, ([f, s, p]) => {
    drainTimes(acc, { kickNs: f * s, respNs: f * (1 - s), perSkbNs: p, cv: 0 }, out);
    return absError(out, done);
  });
  // What the fit leaves unexplained is the service times' variability (relative to a sojourn).
  drainTimes(acc, { kickNs: fixed * share, respNs: fixed * (1 - share), perSkbNs: per, cv: 0 }, out);
  let sq = 0;
  for (let i = 0; i < out.length; i++) sq += (out[i] - done[i]) ** 2;
  const cv = sojourn > 0 ? Math.min(0.5, Math.sqrt(sq / out.length) / sojourn) : 0;
  return { kickNs: fixed * share, respNs: fixed * (1 - share), perSkbNs: per, cv };
}

export function fitAcks(list: WorkItem[], a: AckEvents): AckModel {
  const its = list.filter((x) => Number.isFinite(x.ack)).slice(0, FIT_ITEMS);
  if (its.length === 0 || a.t.length === 0) return { perSkbNs: 0, delayNs: 0, batch: 1 };
  const sizes = [...a.n].sort((x, y) => x - y);
  const batch = Math.max(1, Math.round(sizes[Math.floor(0.9 * (sizes.length - 1))]));
  const done = Float64Array.from(its, (x) => x.done);
  const ack = Float64Array.from(its, (x) => x.ack);
  const out = new Float64Array(its.length);
  const gap = (done[done.length - 1] - done[0]) / Math.max(1, done.length - 1);
  const rtt = median(its.map((x) => x.ack - x.done));
  const [per, delay] = search([[0, 3 * gap], [0, rtt]], 40, ([p, d]) => {
    ackTimes(done, { perSkbNs: p, delayNs: d, batch }, out);
    return absError(out, ack);
  });
  return { perSkbNs: per, delayNs: delay, batch };
}
