import { publishTimes } from './fit.js';
import type { QueueWorkload, WorkItem } from './workload.js';

/*
 * Evidence about the drain that the fit (fit.ts) takes as given rather than trading off: what
 * separates the per-skb cost from the fixed latency in a trace where every idle-start poll has
 * the same size (a queue that always refills a whole ring at once) — the spacing of polls that
 * ran back to back — and how much a poll's work varies.
 */

/** Completions closer than this are one batch (one poll's responses, handled together). */
export const SAME_BATCH_NS = 2000;

/**
 * Per-skb cost seen directly: when a batch's requests were all published while the backend was
 * still busy with the previous poll, it polls them at once, so the two batches' completions are
 * spaced by exactly the second poll's work (the response latency is the same for both and
 * cancels). "Still busy" is sure when the requests went out earlier than the previous completion
 * by more than the response latency, which is at most the shortest publish → completion time
 * seen less that batch's work (S − m × per-skb): start from S (nothing subtracted) and tighten
 * with each estimate, which can only admit more of the same kind while the estimate is not
 * above the true cost. In a trace whose idle-start batches all have one size this is the only
 * thing that separates the per-skb cost from the fixed latency. Returns gap / skbs of each such
 * batch (pooled by the caller over a device's queues).
 */
export function backToBackCosts(list: WorkItem[]): number[] {
  const its = [...list].sort((a, b) => a.done - b.done);
  const batches: { lastAcc: number; done: number; n: number }[] = [];
  let shortest = Infinity;
  let shortestN = 1;
  for (let k = 0; k < its.length; ) {
    let j = k;
    let lastAcc = -Infinity;
    while (j < its.length && its[j].done - its[k].done < SAME_BATCH_NS) lastAcc = Math.max(lastAcc, its[j++].acc);
    for (let i = k; i < j; i++) {
      if (its[i].done - its[i].acc < shortest) [shortest, shortestN] = [its[i].done - its[i].acc, j - k];
    }
    batches.push({ lastAcc, done: its[k].done, n: j - k });
    k = j;
  }
  let out: number[] = [];
  let per = 0;
  for (let round = 0; round < 3; round++) {
    const bound = shortest - shortestN * per;
    const next: number[] = [];
    for (let b = 1; b < batches.length; b++) {
      const prev = batches[b - 1].done;
      if (batches[b].lastAcc <= prev - bound) next.push((batches[b].done - prev) / batches[b].n);
    }
    if (next.length === 0) break;
    out = next;
    per = [...next].sort((a, c) => a - c)[next.length >> 1];
  }
  return out;
}

/** Idle-start batches of one size needed before their spread counts. */
const MIN_SAME_SIZE = 10;

/**
 * How much a poll's work varies, relative to it: the spread of publish → completion times of
 * batches that found the backend idle, by batch size. In the simulated traces it grows with
 * the work (sd 2, 4, 6 µs for 1, 2, 3 skbs of 16 µs: about 12 % of the poll) while the fixed
 * latency barely varies, so the replay varies a poll's work as a whole and not the kick or the
 * response. Least squares through the origin of sd on work over the sizes seen ≥ 10 times;
 * NaN when none was.
 */
export function pollWorkCv(list: WorkItem[], pub: (x: WorkItem) => number, perSkbNs: number): number {
  const its = [...list].sort((a, b) => a.done - b.done);
  const bySize = new Map<number, number[]>();
  for (const b of completionBatches(its, pub)) {
    const sojourn = its[b.from].done - b.lastPub;
    if (b.idle) bySize.get(b.to - b.from)?.push(sojourn) ?? bySize.set(b.to - b.from, [sojourn]);
  }
  let num = 0;
  let den = 0;
  for (const [n, v] of bySize) {
    if (v.length < MIN_SAME_SIZE) continue;
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    const work = n * perSkbNs;
    num += v.length * sd * work;
    den += v.length * work * work;
  }
  return den > 0 ? num / den : NaN;
}

/** A poll's relative variability, averaged over a device's queues by how many skbs each saw. */
export function devicePollCv(qs: QueueWorkload[]): number {
  let sum = 0;
  let n = 0;
  for (const Q of qs) {
    const its = [...Q.items].sort((a, b) => a.acc - b.acc);
    const pub = publishTimes(Float64Array.from(its, (x) => x.acc), Q.xmitNs, Q.refusals);
    const at = new Map(its.map((x, i) => [x, pub[i]] as const));
    const cv = pollWorkCv(Q.items, (x) => at.get(x) ?? x.acc, Q.drain.perSkbNs);
    if (cv === cv) {
      sum += cv * Q.items.length;
      n += Q.items.length;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/** A queue's device: `eth0-q1` → `eth0`. */
export const deviceOf = (q: string) => q.replace(/-q\d+$/, '');
/** Back-to-back polls needed before their spacing is trusted as the per-skb cost. */
const MIN_BACK_TO_BACK = 10;

/**
 * The drain's per-skb cost from back-to-back polls (above), pooled over a
 * device's queues: they are drained by the same kind of backend, and a queue that always
 * refills a whole ring at once (every batch one size, none back to back) shows none itself.
 * Median, as a poll can meet other work on the backend's CPU. Absent when too few were seen:
 * the fit then separates the two as well as the batch sizes allow.
 */
export function perSkbByDevice(items: Map<string, WorkItem[]>): Map<string, number> {
  const gaps = new Map<string, number[]>();
  for (const [q, list] of items) {
    const d = deviceOf(q);
    gaps.set(d, [...(gaps.get(d) ?? []), ...backToBackCosts(list)]);
  }
  const out = new Map<string, number>();
  for (const [d, g] of gaps) if (g.length >= MIN_BACK_TO_BACK) out.set(d, g.sort((a, b) => a - b)[g.length >> 1]);
  return out;
}

/** One completion batch: items [from, to) of the list, their latest publish and earliest accept. */
export interface CompletionBatch {
  from: number;
  to: number;
  lastPub: number;
  firstAcc: number;
  /** The backend was idle when it began: no item of it was accepted before the previous batch completed. */
  idle: boolean;
}

/** Items (sorted by completion) grouped into batches: those completing within SAME_BATCH_NS of a batch's first. */
export function completionBatches(its: WorkItem[], pub: (x: WorkItem) => number): CompletionBatch[] {
  const out: CompletionBatch[] = [];
  let prevDone = -Infinity;
  for (let k = 0; k < its.length; ) {
    let j = k;
    let lastPub = -Infinity;
    let firstAcc = Infinity;
    while (j < its.length && its[j].done - its[k].done < SAME_BATCH_NS) {
      lastPub = Math.max(lastPub, pub(its[j]));
      firstAcc = Math.min(firstAcc, its[j++].acc);
    }
    out.push({ from: k, to: j, lastPub, firstAcc, idle: firstAcc > prevDone });
    prevDone = its[j - 1].done;
    k = j;
  }
  return out;
}
