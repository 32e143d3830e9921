import type { TraceModel } from '../model/trace-model.js';
import type { AckModel, DrainModel } from './fit.js';
import type { FlowModel } from './flows.js';
import { deviceOf } from './back-to-back.js';
import { deviceContention } from './contention.js';
import type { GrantHold } from './grant-hold.js';
import type { SpreadOption } from './irq-spread.js';
import { pinnedIrqCpu, spreadContention, spreadNote, spreadWithoutReplay } from './irq-spread.js';
import type { Contention, LoopQueue, Outcome } from './loop.js';
import { runLoops } from './loop.js';
import { nearestRank } from './series.js';
import type { Figures, QueueSummary, WhatIfResult } from './summary.js';
import { whatIfResult } from './summary.js';
import type { QueueWorkload, Workload } from './workload.js';
import { extractWorkload } from './workload.js';

/**
 * What-if (DESIGN §6, issue 7): replay each TX queue's closed loop (loop.ts) — the trace's
 * senders, the ring, the fitted drain and ACK path — with another ring size or queue count, and
 * predict each queue's stalled fraction, p99 stall and throughput. A device's queues are
 * replayed together: their backends share the guest's grant table and slow each other
 * (contention.ts), more so the more of them are busy. The same loop replayed with the observed
 * configuration is reported beside it (`model_at_observed`): how far the model itself is from
 * the trace.
 */

export interface WhatIfOptions {
  ringSlots?: number;
  queues?: number;
  /**
   * With `queues`: the queue of each flow, in order of first appearance. The kernel hashes the
   * 4-tuple, which no event carries; without this, flows are dealt round-robin.
   */
  flowQueues?: number[];
  /**
   * IRQs spread over the vCPUs (irq-spread.ts): whose (dom0's move netback's polls), and the
   * grant-table lock's hold from a host capture (grant-hold.ts) or why there is none.
   */
  irqSpread?: SpreadOption;
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));
/**
 * Replays per prediction, each with its own service-time draws. A ring near its limit can lock
 * into whole-ring batches or keep pipelining single skbs, and which one it falls into is chance
 * (the simulator itself, 21 seeds at 128 slots: 18 runs at 0.15–0.17 stalled, 3 at 0.36–0.40 on
 * the same queue), so one replay is one sample of a two-mode outcome: the median replay is
 * reported, with the range. With 5 replays the median flipped between the modes from one fit to
 * the next; 21 puts it on the more likely mode (a replay of a 40 ms trace costs about a ms).
 */
const RUNS = 21;


/** `run(seed)` replays every lane at once; per lane, the median replay and the range. */
function replicated(run: (seed: number) => Outcome[], span: number): Figures[] {
  const per: ReturnType<typeof figures>[][] = [];
  for (let i = 0; i < RUNS; i++) run(i + 1).forEach((o, k) => (per[k] ??= []).push(figures(o, span)));
  return per.map((all) => {
    all.sort((a, b) => a.stalled_fraction - b.stalled_fraction);
    return { ...all[RUNS >> 1], min: all[0].stalled_fraction, max: all[RUNS - 1].stalled_fraction, runs: RUNS };
  });
}

function figures(o: Outcome, span: number) {
  const stalled = o.stalls.reduce((a, b) => a + b, 0);
  return {
    stalled_fraction: span > 0 ? round(stalled / span) : 0,
    stalls: o.stalls.length,
    p99_stall_ns: Math.round(nearestRank(o.stalls, 0.99)),
    throughput_per_s: span > 0 ? round((o.completed * 1e9) / span, 3) : 0,
  };
}

/**
 * The span the senders' first writes are drawn from: n first writes seen over a range r are
 * taken as draws from a uniform span of r × (n + 1) / (n − 1) around them (the range of n draws
 * falls short of the span by that factor on average).
 */
function startSpan(flows: FlowModel[]): [number, number] {
  const firsts = flows.filter((f) => f.arrivals === null).map((f) => f.first);
  if (firsts.length < 2) return firsts.length === 0 ? [0, 0] : [firsts[0], firsts[0]];
  const lo = Math.min(...firsts);
  const hi = Math.max(...firsts);
  const pad = (hi - lo) / (firsts.length - 1);
  return [Math.max(0, lo - pad), hi + pad];
}

/**
 * Each replay draws every sender's first write uniformly over the span in which the trace's
 * senders started. How the first writes interleave decides how many requests the backend's
 * first poll catches, and that decides the regime a queue near its limit locks into for the
 * rest of the transient (in the simulator at 128 slots: a first poll of 6 → whole-ring batches
 * of 7 and 0.36–0.40 stalled; of 3–5 → alternating part-ring polls and 0.15). That interleaving
 * is chance, not workload — another run or another capture start has another — so replaying
 * only the one the trace happened to have would predict one draw, not the configuration.
 */
function drawStarts(flows: FlowModel[], [lo, hi]: [number, number], seed: number): FlowModel[] {
  let state = (0x2545f491 ^ Math.imul(seed, 0x9e3779b1)) >>> 0 || 1;
  return flows.map((f) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return f.arrivals !== null ? f : { ...f, first: lo + ((state >>> 0) / 4294967296) * (hi - lo) };
  });
}

/** Queues' fitted models averaged, weighted by how many skbs each was fitted on (for queues that did not exist). */
function pooled(w: Workload): { drain: DrainModel; ack: AckModel | null } {
  const qs = [...w.queues.values()];
  const n = qs.reduce((a, q) => a + q.items.length, 0) || 1;
  const avg = (f: (q: (typeof qs)[number]) => number, among = qs) => among.reduce((a, q) => a + f(q) * q.items.length, 0) / (among.reduce((a, q) => a + q.items.length, 0) || n);
  const withAcks = qs.filter((q) => q.ackModel !== null);
  return {
    drain: {
      kickNs: avg((q) => q.drain.kickNs), respNs: avg((q) => q.drain.respNs), perSkbNs: avg((q) => q.drain.perSkbNs), cv: avg((q) => q.drain.cv),
      ...(qs.every((q) => q.drain.pollCv !== undefined) ? { pollCv: avg((q) => q.drain.pollCv ?? 0) } : {}),
    },
    ack: withAcks.length === 0 ? null : { perSkbNs: avg((q) => q.ackModel?.perSkbNs ?? 0, withAcks), delayNs: avg((q) => q.ackModel?.delayNs ?? 0, withAcks), batch: Math.max(...withAcks.map((q) => q.ackModel?.batch ?? 1)) },
  };
}

function contentionNote(c: Contention): string {
  const us = (x: number) => (x / 1000).toFixed(2);
  return `queues replayed together, slowed by each other (grant-table lock): a poll costs ${us(c.drainNs)} µs per skb more for each other queue's backend polling when it starts, an ACK-path pass ${us(c.ackNs)} µs for each other busy ACK path (scaled from the drain's by their per-skb costs), relative to the ${c.drainRef.toFixed(2)} / ${c.ackRef.toFixed(2)} the trace's polls / passes met`;
}

function notesFor(w: Workload): string[] {
  const notes: string[] = [];
  if (!w.flowsKnown) notes.push('the trace does not name the sending thread: arrivals replayed at their observed times (open loop), so a sender that would go faster with more room does not');
  else notes.push('senders = the threads that queued the skbs, each a closed loop: at most its observed TCP-small-queues limit below it and its observed window in flight, writing after its observed delays');
  notes.push('ring drain = netback TX polls fitted on the trace (kick latency, per-skb cost, response latency; ≤ 64 per poll); the per-skb cost from the spacing of back-to-back polls\' completions when the trace has enough of them');
  if ([...w.queues.values()].some((q) => q.ackModel !== null)) notes.push('ACK path = one batch server per queue plus a delay, fitted on the RX polls of the queue (ACKs matched to skbs in completion order; per-skb cost from the ACK rate while packets wait for it); one window for all flows, the largest per-sender peak in flight at a queue whose senders ACKs woke');
  else notes.push('no RX polls in the trace: no ACK clock, senders are held back by TX completions only');
  notes.push('the replay starts from empty queues at the start of the trace; each replay draws the senders\' first writes over the span they started in');
  notes.push(`service times jittered by the variability the drain fit leaves; the median of ${RUNS} replays is reported (range in replays)`);
  return notes;
}

/**
 * Predictions for a ring of `ringSlots` slots and/or `queues` queues, one per (new) queue, with
 * the observed figures as the baseline.
 */
export function whatIf(w: Workload, observed: QueueSummary[], opts: WhatIfOptions): WhatIfResult[] {
  const span = w.endNs - w.startNs;
  const names = [...w.queues.keys()];
  if (names.length === 0 || (opts.ringSlots === undefined && opts.queues === undefined && opts.irqSpread === undefined)) return [];
  const notes = notesFor(w);
  const spread = opts.irqSpread;
  if (spread !== undefined && opts.queues !== undefined) throw new RangeError('the IRQ spread is predicted for the observed queues only: give it without --queues');
  const base = (q: string) => {
    const s = observed.find((x) => x.queue === q);
    return { stalled_fraction: s?.stalled_fraction ?? 0, p99_stall_ns: s?.p99_stall_ns ?? 0, throughput_per_s: s?.throughput_per_s ?? 0 };
  };
  const starts = startSpan(w.flows);
  // Lanes replayed together (contention.ts couples them); each draws its senders' start phases.
  const runAll = (lanes: { flows: FlowModel[]; queue: LoopQueue }[]) =>
    replicated((seed) => runLoops(lanes.map((l) => ({ flows: drawStarts(l.flows, starts, seed), queue: l.queue })), w.startNs, w.endNs, seed), span);
  if (spread !== undefined && (spread.side === 'guest' || typeof spread.hold === 'string')) return spreadWithoutReplay(w, spread, base, opts.ringSlots);
  if (opts.queues === undefined) {
    const results: (WhatIfResult | null)[] = [];
    const order: string[] = [];
    const notesOf = new Map<string, string[]>();
    const replayed: { name: string; flows: FlowModel[]; observed: LoopQueue; queue: LoopQueue; from: number }[] = [];
    // A device's queues (one guest's, one grant table) are replayed together, each slowed by
    // its neighbours as the trace's were (contention.ts).
    const byDevice = new Map<string, Contention>();
    const hold = spread?.hold as GrantHold | undefined;
    for (const d of new Set(names.map(deviceOf))) {
      const qs = names.filter((q) => deviceOf(q) === d).map((q) => w.queues.get(q) as QueueWorkload);
      byDevice.set(d, hold === undefined ? deviceContention(qs) : spreadContention(qs, hold));
    }
    for (const [name, Q] of w.queues) {
      order.push(name);
      const flows = w.flows.filter((f) => f.queue === name);
      // Never full: nothing says this queue is a ring of known size (a bridge or a virtual device
      // queue is not), so another ring size is not replayed on it.
      if (!Q.refused) {
        const b = base(name);
        const same = { ...b, stalls: observed.find((x) => x.queue === name)?.stalls ?? 0, min: b.stalled_fraction, max: b.stalled_fraction, runs: 0 };
        results.push(whatIfResult(name, `not replayed: never full in the trace, ring size unknown`, same, b, null, { ringSlots: Q.ringSlots, maxSkbSlots: Q.maxSkbSlots, drain: Q.drain, ack: Q.ackModel, xmitNs: Q.xmitNs, notifyNs: Q.notifyNs }, notes));
        continue;
      }
      const observedRing: LoopQueue = { ringSlots: Q.ringSlots, maxSkbSlots: Q.maxSkbSlots, drain: Q.drain, ack: Q.ackModel, xmitNs: Q.xmitNs, notifyNs: Q.notifyNs, contention: byDevice.get(deviceOf(name)) };
      // Spread: the model at the observed configuration keeps the trace's own coupling (pinned).
      const atObserved = hold === undefined ? observedRing : { ...observedRing, contention: deviceContention(names.filter((q) => deviceOf(q) === deviceOf(name)).map((q) => w.queues.get(q) as QueueWorkload)) };
      replayed.push({ name, flows, observed: atObserved, queue: { ...observedRing, ringSlots: opts.ringSlots ?? Q.ringSlots }, from: Q.ringSlots });
      results.push(null);
    }
    const figs = new Map<string, [Figures, Figures]>();
    for (const [d, c] of byDevice) {
      const mine = replayed.filter((r) => deviceOf(r.name) === d);
      if (mine.length === 0) continue;
      const noted = [...notes, hold === undefined ? contentionNote(c) : spreadNote(c, hold)];
      const predicted = runAll(mine.map((r) => ({ flows: r.flows, queue: r.queue })));
      const atObserved = runAll(mine.map((r) => ({ flows: r.flows, queue: r.observed })));
      mine.forEach((r, k) => figs.set(r.name, [predicted[k], atObserved[k]]));
      for (const r of mine) notesOf.set(r.name, noted);
    }
    return results.map((x, i) => {
      if (x !== null) return x;
      const r = replayed.find((y) => y.name === order[i]) as (typeof replayed)[number];
      const [p, m] = figs.get(r.name) as [Figures, Figures];
      const ring = `ring ${r.from} → ${r.queue.ringSlots} slots`;
      const change = spread === undefined ? ring : `IRQs spread (${spread.side}: one vCPU per queue)${r.from === r.queue.ringSlots ? '' : `, ${ring}`}`;
      return whatIfResult(r.name, change, p, base(r.name), m, r.observed, notesOf.get(r.name) ?? notes);
    });
  }
  const results: WhatIfResult[] = [];
  const k = opts.queues;
  const assign = opts.flowQueues;
  if (assign !== undefined && assign.length < w.flows.length) throw new RangeError(`flow → queue map has ${assign.length} entries for ${w.flows.length} flows`);
  if (assign !== undefined) notes.push(`flows placed on ${k} queues as given (${assign.slice(0, w.flows.length).join(',')})`);
  else notes.push(`flows dealt round-robin onto ${k} queues in order of first appearance (the kernel hashes the 4-tuple, which the trace does not carry; a real hash can collide)`);
  notes.push('every queue drains and is acknowledged like the observed ones pooled (its own backend)');
  const { drain, ack } = pooled(w);
  const xmitNs = Math.max(...[...w.queues.values()].map((q) => q.xmitNs));
  const notifyNs = Math.max(...[...w.queues.values()].map((q) => q.notifyNs));
  const rings = names.map((q) => w.queues.get(q)?.ringSlots ?? 0);
  // A ring that never refused is only known to be at least as large as its peak use: replaying
  // the re-hashed flows against that lower bound would invent stalls the trace gives no sign of.
  const refused = names.some((q) => w.queues.get(q)?.refused);
  if (opts.ringSlots === undefined && !refused) notes.push('no queue ever refused an skb, so the ring size is unknown: new queues are replayed with rings that never fill');
  const ring = opts.ringSlots ?? (refused ? Math.min(...rings) : Infinity);
  const maxSkb = Math.max(...names.map((q) => w.queues.get(q)?.maxSkbSlots ?? 1));
  const dev = deviceOf(names[0]);
  // The new queues' backends share the guest's grant table as the observed ones did: each
  // poll and ACK pass pays for the neighbours busy when it starts (contention.ts), so they are
  // replayed together.
  const contention = deviceContention(names.filter((q) => deviceOf(q) === dev).map((q) => w.queues.get(q) as QueueWorkload));
  notes.push(contentionNote(contention));
  const lq: LoopQueue = { ringSlots: ring, maxSkbSlots: maxSkb, drain, ack, xmitNs, notifyNs, contention };
  const lanes = Array.from({ length: k }, (_x, j) => ({ flows: w.flows.filter((_f, i) => (assign === undefined ? i % k : assign[i] % k) === j), queue: lq }));
  const predicted = runAll(lanes);
  lanes.forEach((l, j) => {
    const q = `${dev}-q${j}`;
    const change = `queues ${names.length} → ${k}${opts.ringSlots !== undefined ? `, ring ${Math.min(...rings)} → ${ring} slots` : ''}; ${l.flows.length} flow(s)`;
    results.push(whatIfResult(q, change, predicted[j], base(q), null, lq, notes));
  });
  return results;
}



/** The what-if for a loaded trace (the `replay` command's entry). */
export function whatIfForTrace(model: TraceModel, observed: QueueSummary[], opts: WhatIfOptions): WhatIfResult[] {
  const spread = opts.irqSpread?.side === 'guest' ? { ...opts.irqSpread, pinned: pinnedIrqCpu(model) } : opts.irqSpread;
  return whatIf(extractWorkload(model), observed, { ...opts, irqSpread: spread });
}
