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
  /** How much a poll's work varies relative to it (back-to-back.ts `pollWorkCv`); when known the replay varies that alone. */
  pollCv?: number;
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
      for (let k = 0; k <= (hi > lo ? steps : 0); k++) grid(d + 1, [...p, lo + ((hi - lo) * k) / steps]);
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
 * done, so a request counts from the end of its burst: accepts at most two driver times apart
 * (`xmitNs`) are one flush, which ends with its last accept or, when the ring filled, with the
 * refusal right after it (`refusals`, sorted: the NETDEV_TX_BUSY returns). Taking the last
 * accept there instead put every flush-driven publish a driver time early, and the fit then
 * split the fixed latency as if the backend were kicked sooner than it is (ring-full, 64 slots:
 * 7.3 µs kick / 13.4 response, where a dom0 capture of the simulator shows about 8 / 9.5).
 */
export function publishTimes(acc: Float64Array, xmitNs: number, refusals: ArrayLike<number> = []): Float64Array {
  const pub = new Float64Array(acc.length);
  let r = refusals.length;
  for (let i = acc.length - 1; i >= 0; i--) {
    if (i + 1 < acc.length && acc[i + 1] - acc[i] <= 2 * xmitNs) pub[i] = pub[i + 1];
    else {
      while (r > 0 && refusals[r - 1] > acc[i]) r--;
      // The first refusal after this accept: refusals[r] when r < length.
      pub[i] = r < refusals.length && refusals[r] - acc[i] <= 2 * xmitNs ? refusals[r] : acc[i];
    }
  }
  return pub;
}

/** The kick / response split tried, as the kick's share of the fixed latency. */
const SHARES = Array.from({ length: 21 }, (_x, k) => k / 20);
/** Splits whose error is within this of the best are not told apart: the even one is taken. */
const SHARE_TOLERANCE = 0.003;

interface Prepared {
  acc: Float64Array;
  done: Float64Array;
  out: Float64Array;
  sojourn: number;
}

function prepare(list: WorkItem[], xmitNs: number, refusals: ArrayLike<number>): Prepared | null {
  const its = [...list].sort((a, b) => a.acc - b.acc).slice(0, FIT_ITEMS);
  if (its.length === 0) return null;
  const acc = publishTimes(Float64Array.from(its, (x) => x.acc), xmitNs, refusals);
  return { acc, done: Float64Array.from(its, (x) => x.done), out: new Float64Array(its.length), sojourn: median(its.map((x) => x.done - x.acc)) };
}

/** Best fixed latency (and per-skb cost unless known) for one split, shared by the queues; error per item. */
function fitAtShare(ps: Prepared[], share: number, perSkbNs: number | undefined): { fixed: number; per: number; err: number } {
  const hi = Math.max(...ps.map((p) => p.sojourn));
  const perRange: [number, number] = perSkbNs === undefined ? [0, hi] : [perSkbNs, perSkbNs];
  const cost = ([f, per]: number[]) => {
    let e = 0;
    for (const p of ps) {
      drainTimes(p.acc, { kickNs: f * share, respNs: f * (1 - share), perSkbNs: per, cv: 0 }, p.out);
      e += absError(p.out, p.done);
    }
    return e;
  };
  const [fixed, per] = search([[0, hi], perRange], 12, cost);
  return { fixed, per, err: cost([fixed, per]) / ps.reduce((n, p) => n + p.acc.length, 0) };
}

function meanResidual(ps: Prepared[], m: DrainModel): number {
  const r: number[] = [];
  for (const p of ps) {
    drainTimes(p.acc, m, p.out);
    for (let i = 0; i < p.out.length; i++) r.push(p.done[i] - p.out[i]);
  }
  r.sort((a, b) => a - b);
  const mid = r.slice(Math.floor(r.length * 0.02), Math.ceil(r.length * 0.98));
  return mid.length === 0 ? 0 : mid.reduce((a, b) => a + b, 0) / mid.length;
}

/**
 * The drains of a device's queues: one backend kind and one notification path, so one fixed
 * latency, one kick / response split (and one per-skb cost) for all, fitted on their summed
 * error. Pooled because each queue alone can mislead: a queue that always refills a whole ring
 * at once fits every split equally well, and a queue whose polls vary in size trades its fixed
 * latency against the sizes it saw most (ring-full, 64 slots: q1 alone fits 19.4 µs and runs
 * its whole-ring cycles 2 % fast). The split matters only for which requests a poll catches —
 * a request published before the poll began rides along, one published during the response
 * latency waits for a kick — yet whether a larger ring keeps pipelining or falls into
 * whole-ring batches hangs on it; when the trace cannot tell splits apart it is even.
 * `perSkbNs` when known (back-to-back polls): only the fixed part and its split are searched.
 */
export function fitDrains(lists: WorkItem[][], xmitNs: number[], perSkbNs?: number, refusals: ArrayLike<number>[] = []): DrainModel[] {
  const all = lists.map((l, i) => prepare(l, xmitNs[i], refusals[i] ?? []));
  const ps = all.filter((p): p is Prepared => p !== null);
  if (ps.length === 0) return lists.map(() => ({ kickNs: 0, respNs: 0, perSkbNs: perSkbNs ?? 0, cv: 0 }));
  const errs = SHARES.map((s) => fitAtShare(ps, s, perSkbNs).err);
  const least = Math.min(...errs);
  let share = NaN;
  for (let k = 0; k < SHARES.length; k++) {
    if (errs[k] <= least * (1 + SHARE_TOLERANCE) && !(Math.abs(SHARES[k] - 0.5) >= Math.abs(share - 0.5))) share = SHARES[k];
  }
  const fit = fitAtShare(ps, share, perSkbNs);
  // Absolute error fits the median sojourn, robust to the odd interrupt; but service times
  // are skewed (a cache miss adds, nothing subtracts) and a closed loop runs at the mean, so
  // the fixed part is moved by the mean residual (the middle 96 %): a replay running 1 % fast
  // ends a ring's transient 10 % early.
  const fixed = Math.max(0, fit.fixed + meanResidual(ps, { kickNs: fit.fixed * share, respNs: fit.fixed * (1 - share), perSkbNs: fit.per, cv: 0 }));
  const per = fit.per;
  const drain = { kickNs: fixed * share, respNs: fixed * (1 - share), perSkbNs: per, cv: 0 };
  return all.map((p) => {
    if (p === null) return { ...drain };
    // What the fit leaves unexplained is the service times' variability (relative to a sojourn).
    drainTimes(p.acc, drain, p.out);
    let sq = 0;
    for (let i = 0; i < p.out.length; i++) sq += (p.out[i] - p.done[i]) ** 2;
    return { ...drain, cv: p.sojourn > 0 ? Math.min(0.5, Math.sqrt(sq / p.out.length) / p.sojourn) : 0 };
  });
}

export function fitDrain(list: WorkItem[], xmitNs: number, perSkbNs?: number, refusals: ArrayLike<number> = []): DrainModel {
  return fitDrains([list], [xmitNs], perSkbNs, [refusals])[0];
}

/** Packets waiting for the ACK path, in batches, above which it is taken to be busy throughout. */
export const ACK_BACKLOG_BATCHES = 4;
const MIN_BUSY_POLLS = 20;

/**
 * The ACK path's per-skb cost seen directly: while many completed packets wait for it, it
 * acknowledges one batch after another, so there the time between ACK polls over the ACKs
 * they brought is its cost. Fitting it together with the delay instead trades one against the
 * other (ring-full, 64 slots: 30.4 µs and a 0.5 ms delay against 31.0 µs seen here), and a
 * ring's transient — how long the senders stay ahead of their ACKs — hangs on that rate.
 * NaN when the path was seldom that busy.
 */
export function busyAckCost(done: ArrayLike<number>, a: AckEvents, batch: number): number {
  let k = 0;
  let acked = 0;
  let time = 0;
  let n = 0;
  let polls = 0;
  for (let p = 0; p < a.t.length; p++) {
    while (k < done.length && done[k] <= a.t[p]) k++;
    if (p > 0 && k - acked >= ACK_BACKLOG_BATCHES * batch) {
      time += a.t[p] - a.t[p - 1];
      n += a.n[p];
      polls++;
    }
    acked += a.n[p];
  }
  return polls >= MIN_BUSY_POLLS && n > 0 ? time / n : NaN;
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
  const busy = busyAckCost(Float64Array.from(list, (x) => x.done).sort(), a, batch);
  const perRange: [number, number] = busy === busy ? [busy, busy] : [0, 3 * gap];
  const [per, delay] = search([perRange, [0, rtt]], 40, ([p, d]) => {
    ackTimes(done, { perSkbNs: p, delayNs: d, batch }, out);
    return absError(out, ack);
  });
  return { perSkbNs: per, delayNs: delay, batch };
}
