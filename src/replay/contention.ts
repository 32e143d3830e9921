import type { Contention } from './loop.js';
import { completionBatches } from './back-to-back.js';
import { ACK_BACKLOG_BATCHES, publishTimes } from './fit.js';
import type { QueueWorkload } from './workload.js';

/*
 * How a guest's queues slow each other, for a what-if with more (or fewer) queues busy. In Xen
 * every grant-copy op takes the granting guest's grant-table lock, so a backend copying while
 * others copy waits for them: the more backends busy, the dearer each skb. A 2-queue trace of a
 * saturated guest shows no slope from one to three neighbours, but its polls do differ in
 * whether the *other* backend was polling when they began (each backend idles between its
 * whole-ring batches, ~40 % of the time on ring-full), and an idle-start poll's sojourn shows
 * that poll's cost: the difference per skb is the wait per busy neighbour.
 */

/** Idle-start polls needed on each side (neighbour idle / busy) before the difference counts. */
const MIN_EACH = 20;

interface Poll {
  start: number;
  end: number;
  n: number;
  /** Publish → completion, when it found the backend idle (its sojourn shows its own cost); NaN otherwise. */
  sojourn: number;
}

/**
 * A queue's polls as the guest sees them: completions within SAME_BATCH_NS are one poll's, which
 * ended the response latency before them and began the kick latency after its last request was
 * published when the backend was idle (no request of it before the previous completion), else
 * when the previous poll ended.
 */
function pollsOf(Q: QueueWorkload): Poll[] {
  const byAcc = [...Q.items].sort((a, b) => a.acc - b.acc);
  const pub = publishTimes(Float64Array.from(byAcc, (x) => x.acc), Q.xmitNs, Q.refusals);
  const pubOf = new Map(byAcc.map((x, i) => [x, pub[i]] as const));
  const its = [...Q.items].sort((a, b) => a.done - b.done);
  const { kickNs, respNs } = Q.drain;
  const out: Poll[] = [];
  for (const b of completionBatches(its, (x) => pubOf.get(x) ?? x.acc)) {
    const done = its[b.from].done;
    const end = done - respNs;
    const start = b.idle || out.length === 0 ? Math.min(b.lastPub + kickNs, end) : out[out.length - 1].end;
    out.push({ start, end, n: b.to - b.from, sojourn: b.idle ? done - b.lastPub : NaN });
  }
  return out;
}

/** How many of `others` (each sorted by start) were in [start, end) at `t`. */
function busyAt(others: { start: number; end: number }[][], t: number): number {
  let n = 0;
  for (const o of others) {
    let lo = 0;
    let hi = o.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (o[m].start <= t) lo = m + 1;
      else hi = m;
    }
    if (lo > 0 && o[lo - 1].end > t) n++;
  }
  return n;
}

/**
 * Drain contention of a device's queues: the extra cost per skb for each neighbour polling when
 * a poll begins (least squares of the idle-start sojourns' residuals on skbs × neighbours), and
 * the neighbours the trace's polls met on average (per skb), which the fitted per-skb cost
 * already includes. Zero with one queue, or when too few polls found a neighbour idle / busy.
 */
export function drainContention(qs: QueueWorkload[]): { perNeighbourNs: number; ref: number } {
  if (qs.length < 2) return { perNeighbourNs: 0, ref: 0 };
  const polls = qs.map(pollsOf);
  const xs: number[] = [];
  const rs: number[] = [];
  let idle = 0;
  let skbs = 0;
  let met = 0;
  polls.forEach((ps, k) => {
    const { kickNs, respNs, perSkbNs } = qs[k].drain;
    const others = polls.filter((_p, j) => j !== k);
    for (const p of ps) {
      const c = busyAt(others, p.start);
      skbs += p.n;
      met += p.n * c;
      if (p.sojourn !== p.sojourn) continue;
      if (c === 0) idle++;
      xs.push(p.n * c);
      rs.push(p.sojourn - kickNs - respNs - p.n * perSkbNs);
    }
  });
  const ref = skbs > 0 ? met / skbs : 0;
  if (idle < MIN_EACH || xs.length - idle < MIN_EACH) return { perNeighbourNs: 0, ref };
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const mr = rs.reduce((a, b) => a + b, 0) / rs.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (rs[i] - mr);
    sxx += (xs[i] - mx) ** 2;
  }
  // A negative slope is noise (a neighbour cannot speed a copy up): no contention seen.
  return { perNeighbourNs: sxx > 0 ? Math.max(0, sxy / sxx) : 0, ref };
}

/**
 * The neighbours busy, per ACK-path pass the ACK cost was read from (fit.ts `busyAckCost`: ≥ 4
 * batches waiting), averaged: a neighbour's ACK path is busy while it has completed packets not
 * yet acknowledged.
 */
export function ackNeighbours(qs: QueueWorkload[]): number {
  if (qs.length < 2) return 0;
  const backlog = qs.map((Q) => {
    const done = Q.items.map((x) => x.done).sort((a, b) => a - b);
    const acked: number[] = [];
    let s = 0;
    for (const n of Q.acks.n) acked.push((s += n));
    const upTo = (v: ArrayLike<number>, t: number) => {
      let lo = 0;
      let hi = v.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (v[m] <= t) lo = m + 1;
        else hi = m;
      }
      return lo;
    };
    return (t: number) => {
      const a = upTo(Q.acks.t, t);
      return upTo(done, t) - (a > 0 ? acked[a - 1] : 0);
    };
  });
  let passes = 0;
  let met = 0;
  qs.forEach((Q, k) => {
    const batch = Q.ackModel?.batch ?? 1;
    for (let p = 1; p < Q.acks.t.length; p++) {
      const t = Q.acks.t[p - 1];
      if (backlog[k](t) < ACK_BACKLOG_BATCHES * batch) continue;
      passes++;
      for (let j = 0; j < qs.length; j++) if (j !== k && backlog[j](t) > 0) met++;
    }
  });
  return passes > 0 ? met / passes : 0;
}

/**
 * The contention a what-if replays. The ACK paths' passes are busy together in a saturated
 * trace (each queue's waits while the other's does), so their wait per neighbour is not seen
 * apart; it is derived from the drain's. The ACK path's cost is the receiving backend
 * grant-copying the same skbs (as many slots, each op waiting the same lock hold per neighbour
 * copying), and a neighbour costs in proportion to how much of its busy time it spends copying:
 * the same copy per skb spread over a per-skb cost ACK / drain times longer. So the wait per
 * busy neighbour is the drain's scaled by drain per-skb cost / ACK per-skb cost (ring-full:
 * 16.0 / 30.9 µs).
 */
export function deviceContention(qs: QueueWorkload[]): Contention {
  const d = drainContention(qs);
  const weighted = (f: (Q: QueueWorkload) => number, among: QueueWorkload[]) => {
    const n = among.reduce((a, Q) => a + Q.items.length, 0);
    return n > 0 ? among.reduce((a, Q) => a + f(Q) * Q.items.length, 0) / n : NaN;
  };
  const withAcks = qs.filter((Q) => Q.ackModel !== null && Q.ackModel.perSkbNs > 0);
  const ratio = withAcks.length === 0 ? 0 : weighted((Q) => Q.drain.perSkbNs, withAcks) / weighted((Q) => Q.ackModel?.perSkbNs ?? 0, withAcks);
  return { drainNs: d.perNeighbourNs, drainRef: d.ref, ackNs: d.perNeighbourNs * ratio, ackRef: ackNeighbours(qs) };
}
