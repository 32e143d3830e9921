import { KIND_CODE } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';
import { replayCpuStates } from './cpu-state.js';
import type { GrantHold } from './grant-hold.js';
import type { Contention, LoopQueue } from './loop.js';
import type { WhatIfResult } from './summary.js';
import { whatIfResult } from './summary.js';
import type { QueueWorkload, Workload } from './workload.js';

/*
 * The IRQ-spread what-if (issue 7): the netback TX backends whose IRQs were pinned to one dom0
 * vCPU each get a vCPU of their own (the simulator's `spread` policy: queue q's IRQ on vCPU q of
 * the VIF's block), so they no longer wait for each other's polls on that vCPU — and copy at
 * once, each grant-copy op waiting one lock hold for every other backend copying (Xen's
 * per-domain grant-table lock). A guest trace cannot show that hold (pinned, the backends
 * copy one after another and never wait); a host capture with grant-copy hypercalls can
 * (grant-hold.ts). Only dom0's IRQs move netback; a guest's IRQs run netfront's completion
 * and RX handlers, whose cost the guest trace already shows as what it is.
 */

export type SpreadSide = 'dom0' | 'guest' | 'all';

/** The spread asked for: whose IRQs, the lock hold read from the host capture (or why none), the guest's pinned vCPU. */
export interface SpreadOption {
  side: SpreadSide;
  hold: GrantHold | string;
  pinned?: PinnedCpu | null;
}

/** How a spread what-if without a host capture is refused (the CLI's reason starts with it). */
export const NO_HOST_CAPTURE = 'no host capture given';

/**
 * A device's queues with their backends on separate vCPUs: each poll pays, per skb, the skb's
 * grant-copy ops × the hold for every other backend polling as it starts (the copy is most of a
 * TX poll). Relative to none: pinned, no TX copy of this guest waited (the trace's backends
 * shared one vCPU). The ACK path (the RX kthreads, not moved by the IRQs) keeps the cost fitted
 * on the trace, where it already met its neighbours as it will again.
 */
export function spreadContention(qs: QueueWorkload[], hold: GrantHold): Contention {
  let slots = 0;
  let skbs = 0;
  for (const Q of qs) for (const x of Q.items) {
    slots += x.slots;
    skbs++;
  }
  const perSkbSlots = skbs > 0 ? slots / skbs : 0;
  return { drainNs: perSkbSlots * hold.holdNs, drainRef: 0, ackNs: 0, ackRef: 0 };
}

export function spreadNote(c: Contention, hold: GrantHold): string {
  const us = (x: number) => (x / 1000).toFixed(2);
  return [
    `IRQs spread (dom0): each TX backend polls on its own vCPU and grant-copies while the others do; every copy op waits one lock hold per other backend polling as it starts`,
    `hold ${us(hold.holdNs)} µs per op per other copier, read from the host capture's ${hold.contendedCalls} grant-copy hypercalls that waited (pCPUs ${hold.contendedCpus.join(',')}; ${hold.meanOthers.toFixed(2)} others copying on average as they began; uncontended ${us(hold.uncontendedNs)} µs per op on pCPUs ${hold.uncontendedCpus.join(',')}) and taken as the same for this guest's lock (one Xen)`,
    `one copy op per ring slot: ${us(c.drainNs)} µs per skb per busy neighbour; the drain's fixed latency and per-skb cost stay as fitted on the pinned trace, and the ACK path (the RX kthreads, which the IRQs do not move) keeps its fitted cost`,
    'checked against the simulator for the stalled fraction; the p99 stall and throughput are not within its bar (src/replay/README.md)',
  ].join('; ');
}

/**
 * Busiest share of its time a guest's IRQ vCPU may have for the guest-only spread to be
 * predicted as no change. The replay takes netfront's handlers at the latencies the trace
 * shows; those include waiting behind other work on the vCPU, which spreading would remove.
 * Below half busy a handler finds the vCPU free more often than not and that wait is a small
 * part of its latency; above it, it is not, and the replay has no vCPU model to say how much.
 */
export const GUEST_IRQ_BUSY_MAX = 0.5;

export interface PinnedCpu {
  cpu: number;
  /** Share of the traced time the CPU was not idle (running, softirq or IRQ). */
  busy: number;
}

/** The CPU that handled the most IRQs and how busy it was (null: the trace has no IRQ entries). */
export function pinnedIrqCpu(model: TraceModel): PinnedCpu | null {
  const e = model.events;
  const counts = new Map<number, number>();
  for (let i = 0; i < e.kind.length; i++) if (e.kind[i] === KIND_CODE.irq_entry) counts.set(e.cpu[i], (counts.get(e.cpu[i]) ?? 0) + 1);
  let cpu = -1;
  for (const [c, n] of counts) if (cpu < 0 || n > (counts.get(cpu) as number) || (n === counts.get(cpu) && c < cpu)) cpu = c;
  const track = replayCpuStates(model).cpus.find((t) => t.cpu === cpu);
  if (track === undefined) return null;
  const [unknown, idle] = [track.time[0], track.time[1]];
  const known = track.time.reduce((a, b) => a + b, 0) - unknown;
  return { cpu, busy: known > 0 ? 1 - idle / known : NaN };
}

/**
 * The spread what-ifs that replay nothing. Guest IRQs only: they move netfront's completion and
 * RX handlers, which the replay takes as the latencies the trace shows, and not netback's polls,
 * so the loop would replay exactly as at the observed configuration: the observed figures, no
 * change. Dom0's without a lock hold: refused, figures NaN (null in JSON), with the reason.
 */
export function spreadWithoutReplay(w: Workload, spread: SpreadOption, base: (q: string) => WhatIfResult['baseline'], ringSlots: number | undefined): WhatIfResult[] {
  if (ringSlots !== undefined) throw new RangeError('the guest-only or unsupported IRQ spread is not combined with another ring size');
  const refused = spread.side !== 'guest' ? (spread.hold as string) : null;
  return [...w.queues.entries()].map(([name, Q]) => {
    const b = base(name);
    const q: LoopQueue = { ringSlots: Q.ringSlots, maxSkbSlots: Q.maxSkbSlots, drain: Q.drain, ack: Q.ackModel, xmitNs: Q.xmitNs, notifyNs: Q.notifyNs };
    const none = { stalled_fraction: NaN, p99_stall_ns: NaN, throughput_per_s: NaN, stalls: 0, min: NaN, max: NaN, runs: 0 };
    if (refused === null) {
      const p = spread.pinned;
      const load = p ? `vCPU ${p.cpu}, which handled most IRQs, was ${(100 * p.busy).toFixed(1)}% busy` : 'the trace has no IRQ entries';
      if (p && !(p.busy < GUEST_IRQ_BUSY_MAX)) {
        return whatIfResult(name, `IRQs spread (guest only): not predicted — vCPU ${p.cpu} is busy`, none, b, null, q, [
          `not predicted: ${load}; its handlers wait behind other work there, which spreading removes and the replay (no vCPU model) cannot size`,
        ]);
      }
      const same = { ...b, stalls: 0, min: b.stalled_fraction, max: b.stalled_fraction, runs: 0 };
      return whatIfResult(name, 'IRQs spread (guest only): no change — netback\'s polls stay where dom0\'s IRQs are', same, b, null, q, [
        `a guest's IRQs run netfront's TX-completion and RX handlers; the replay takes them as the latencies the trace shows, so the loop is the observed one and the observed figures stand (${load}, below ${100 * GUEST_IRQ_BUSY_MAX}%: a handler mostly finds it free)`,
      ]);
    }
    const why = 'Spread, the TX backends copy at once and wait for the guest\'s grant-table lock; a guest trace of pinned IRQs shows them serialised, never waiting, so the lock\'s hold (which decides the outcome) is not in it';
    const noCapture = refused.startsWith(NO_HOST_CAPTURE);
    return whatIfResult(name, `IRQs spread (${spread.side}): not predicted — ${noCapture ? 'needs a dom0 capture with grant copy hypercalls' : 'no grant-table lock hold in the host capture'}`, none, b, null, q, [
      `not predicted: ${refused}. ${why}${noCapture ? '. Give --dom0 with a host capture of the same workload: xentrace -D -e 0x0020f000 -T 1 dom0.xentrace' : ''}`,
    ]);
  });
}
