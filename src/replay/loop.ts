import type { AckModel, DrainModel } from './fit.js';
import { NAPI_BUDGET } from './fit.js';
import type { FlowModel } from './flows.js';
import { Clock } from './clock.js';

/**
 * One TX queue's closed loop, replayed as a discrete-event run: the senders (flows.ts) write
 * into a ring of `ringSlots` under netfront's rules (an skb that does not fit is refused —
 * NETDEV_TX_BUSY — and requeued, the queue stays stopped until a completion leaves room for the
 * largest skb, then the backlog goes out), the fitted drain (fit.ts) empties the ring, and each
 * completed skb goes through the fitted ACK path before its sender's window reopens. A stall runs
 * from the refusal to the next accepted skb: the definition of the trace replay (queues.ts) and of
 * the simulator's truth, so predicted, observed and simulated figures are the same quantity.
 */

export interface LoopQueue {
  ringSlots: number;
  maxSkbSlots: number;
  drain: DrainModel;
  /** Null: no ACK clock seen, senders are held back by their TSQ limit only. */
  ack: AckModel | null;
  /** Driver time per skb handed to the ring (accepted or refused). */
  xmitNs: number;
  /** Extra driver time after the first skb a write or flush hands to an idle backend (its notification). */
  notifyNs?: number;
  /** How the other queues replayed with this one slow its drain and ACK path (contention.ts); absent: not at all. */
  contention?: Contention;
}

/**
 * Backends of one guest slow each other: every grant copy waits on the guest's grant-table
 * lock for each other backend copying. A poll (an ACK-path pass) costs, per skb, the fitted cost
 * plus `drainNs` (`ackNs`) for each other queue's backend (ACK path) busy when it starts, less
 * the `drainRef` (`ackRef`) others the trace's own polls (passes) met on average: the fitted
 * costs already include that much.
 */
export interface Contention {
  drainNs: number;
  drainRef: number;
  ackNs: number;
  ackRef: number;
}

export interface Outcome {
  /** Stall lengths, and when each began (parallel). */
  stalls: number[];
  stallStarts: number[];
  completed: number;
}

interface Pkt {
  flow: number;
  slots: number;
}

const WRITE = 0;
const POLL = 1;
const POLL_END = 2;
const DONE = 3;
const ACK = 4;
const ACK_PASS_END = 5;
const GC_END = 6;
/** Event kinds per lane: a lane's events are kind + KINDS × lane on the shared clock. */
const KINDS = 8;

/** What the lanes replayed together share: which backends are polling, which ACK paths are busy. */
interface Shared {
  polling: Uint8Array;
  acking: Uint8Array;
}

const othersOn = (v: Uint8Array, me: number) => {
  let n = 0;
  for (let j = 0; j < v.length; j++) if (j !== me) n += v[j];
  return n;
};

/** `seed` picks the service-time draws: replays with different seeds show how much the outcome hangs on chance. */
export function runLoop(flows: FlowModel[], q: LoopQueue, startNs: number, endNs: number, seed = 1): Outcome {
  return runLoops([{ flows, queue: q }], startNs, endNs, seed)[0];
}

/**
 * Queues replayed together on one clock, so that a queue's `contention` sees the others'
 * backends and ACK paths as they are at that instant. Each lane draws its service times from
 * its own stream seeded by `seed` alone: without contention a lane replays exactly as it does
 * on its own.
 */
export function runLoops(lanes: { flows: FlowModel[]; queue: LoopQueue }[], startNs: number, endNs: number, seed = 1): Outcome[] {
  const clock = new Clock();
  const shared: Shared = { polling: new Uint8Array(lanes.length), acking: new Uint8Array(lanes.length) };
  const run = lanes.map((l, i) => lane(l.flows, l.queue, i, clock, shared, startNs, seed));
  while (clock.size > 0 && clock.peekTime() <= endNs) {
    const [t, kind, arg] = clock.pop();
    run[Math.floor(kind / KINDS)].handle(t, kind % KINDS, arg);
  }
  return run.map((r) => r.close(endNs));
}

/** One queue's state and event handler on the shared clock (events of lane `me`: kind + KINDS × me). */
function lane(flows: FlowModel[], q: LoopQueue, me: number, clock: Clock, shared: Shared, startNs: number, seed: number) {
  const at = (t: number, kind: number, arg: unknown) => clock.push(t, kind + KINDS * me, arg);
  const st = flows.map(() => ({ below: 0, inflight: 0, blocked: false, idx: 0 }));
  let free = q.ringSlots;
  let stopped = false;
  let reopened = false;
  let stopAt = startNs;
  const backlog: Pkt[] = [];
  let pending: Pkt[] = [];
  const unpublished: Pkt[] = [];
  let backendIdle = true;
  const responded: Pkt[] = [];
  let gcArmed = true;
  const con = q.contention;
  // The ACK path: a batch server (fit.ts) fed by completions; a pass ends in one ACK event for all it took.
  const ackWaiting: number[] = [];
  let ackBusy = false;
  const ackPass = (t: number): void => {
    const a = q.ack as AckModel;
    const took = ackWaiting.splice(0, a.batch);
    ackBusy = took.length > 0;
    shared.acking[me] = ackBusy ? 1 : 0;
    if (!ackBusy) return;
    const per = con === undefined ? a.perSkbNs : a.perSkbNs + con.ackNs * (othersOn(shared.acking, me) - con.ackRef);
    const end = t + took.length * per;
    at(end, ACK_PASS_END, null);
    at(end + a.delayNs, ACK, took);
  };
  const stalls: number[] = [];
  const stallStarts: number[] = [];
  let completed = 0;

  // Service times vary (cache misses, other work on the CPU); without that a replay can lock
  // into a phase the real queue never keeps. A fixed seed keeps the replay deterministic.
  let state = (0x9e3779b9 ^ Math.imul(seed, 0x85ebca6b)) >>> 0 || 1;
  // The fitted CV is that of a whole sojourn (kick + poll + response). Drawn independently for
  // the kick, each skb's work and the response, each draw gets √3 times that (exact for a
  // one-skb poll; a longer poll's draws partly average out, so its sojourn varies a little less).
  // When the trace showed how a poll's work varies (pollCv), that alone is varied, as a whole:
  // there the fixed latency barely varies and a poll's skbs vary together.
  const whole = q.drain.pollCv !== undefined;
  const cv = whole ? (q.drain.pollCv as number) : q.drain.cv * Math.sqrt(3);
  const fixedPart = (x: number) => (whole ? x : jitter(x));
  const jitter = (x: number): number => {
    if (cv <= 0) return x;
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const u = (state >>> 0) / 4294967296;
    // Uniform with the requested coefficient of variation: half-width √3·cv.
    return x * (1 + Math.sqrt(3) * cv * (2 * u - 1));
  };
  const canSend = (i: number) => st[i].below < flows[i].tsq && st[i].inflight < flows[i].window;
  // The driver takes xmitNs per skb; what it accepted is published (and the backend kicked when
  // idle) once the whole write or backlog flush is done, as netfront does.
  const transmit = (p: Pkt, t: number): number => {
    const c = t + q.xmitNs;
    if (free < p.slots) {
      stopped = true;
      stopAt = c;
      backlog.unshift(p);
      return c;
    }
    free -= p.slots;
    unpublished.push(p);
    if (reopened) {
      stalls.push(c - stopAt);
      stallStarts.push(stopAt);
      reopened = false;
    }
    return backendIdle && unpublished.length === 1 ? c + (q.notifyNs ?? 0) : c;
  };
  const publish = (c: number): void => {
    if (unpublished.length === 0) return;
    for (const p of unpublished) pending.push(p);
    unpublished.length = 0;
    if (backendIdle) {
      backendIdle = false;
      at(c + fixedPart(q.drain.kickNs), POLL, null);
    }
  };
  const wake = (i: number, t: number, gap: number): void => {
    if (st[i].blocked && canSend(i)) {
      st[i].blocked = false;
      at(t + gap, WRITE, i);
    }
  };

  flows.forEach((f, i) => at(f.arrivals === null ? f.first : (f.arrivals[0] ?? Infinity), WRITE, i));
  const handle = (t: number, kind: number, arg: unknown): void => {
    if (kind === WRITE) {
      const i = arg as number;
      const f = flows[i];
      const s = st[i];
      s.below++;
      s.inflight++;
      const p = { flow: i, slots: f.slots };
      const queued = stopped || backlog.length > 0;
      if (queued) backlog.push(p);
      else publish(transmit(p, t));
      if (f.arrivals !== null) {
        const next = f.arrivals[++s.idx];
        if (next !== undefined) at(next, WRITE, i);
      } else if (canSend(i)) at(t + (queued ? f.gapAfterWrite : (f.gapAfterXmit ?? f.gapAfterWrite)), WRITE, i);
      else s.blocked = true;
    } else if (kind === POLL) {
      const batch = pending.slice(0, NAPI_BUDGET);
      pending = pending.slice(batch.length);
      shared.polling[me] = 1;
      const per = con === undefined ? q.drain.perSkbNs : q.drain.perSkbNs + con.drainNs * (othersOn(shared.polling, me) - con.drainRef);
      let work = 0;
      if (whole) work = jitter(batch.length * per);
      else for (let k = 0; k < batch.length; k++) work += jitter(per);
      at(t + work, POLL_END, batch);
    } else if (kind === POLL_END) {
      // Responses notify the guest only when its completion handler is armed; while a
      // notification is in flight or the handler runs, they join it (netfront's suppression).
      for (const p of arg as Pkt[]) responded.push(p);
      if (gcArmed) {
        gcArmed = false;
        at(t + fixedPart(q.drain.respNs), DONE, null);
      }
      if (pending.length > 0) at(t, POLL, null);
      else {
        backendIdle = true;
        shared.polling[me] = 0;
      }
    } else if (kind === GC_END) {
      if (responded.length > 0) at(t, DONE, null);
      else gcArmed = true;
    } else if (kind === DONE) {
      const done = responded.splice(0, responded.length);
      let c = t;
      for (const p of done) {
        free += p.slots;
        completed++;
        st[p.flow].below--;
        if (q.ack !== null && flows[p.flow].arrivals === null) ackWaiting.push(p.flow);
      }
      if (stopped && free >= q.maxSkbSlots) {
        stopped = false;
        reopened = true;
        // Published when the flush ends: after its last accept, or after the skb it refused
        // when the ring filled again (fit.ts publishTimes).
        while (backlog.length > 0 && !stopped) c = transmit(backlog.shift() as Pkt, c);
        publish(c);
      }
      at(c, GC_END, null);
      for (const p of done) wake(p.flow, t, flows[p.flow].gapAfterWake);
      if (!ackBusy && q.ack !== null) ackPass(t);
    } else if (kind === ACK_PASS_END) {
      ackPass(t);
    } else {
      for (const i of arg as number[]) st[i].inflight--;
      for (const i of arg as number[]) wake(i, t, flows[i].gapAfterAck);
    }
  };
  const close = (endNs: number): Outcome => {
    if (stopped || reopened) {
      stalls.push(endNs - stopAt);
      stallStarts.push(stopAt);
    }
    return { stalls, stallStarts, completed };
  };
  return { handle, close };
}
