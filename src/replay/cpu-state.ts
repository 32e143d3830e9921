import { DOMAIN_HYPERVISOR, KIND_CODE, kindTable } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';
import { span, timeOrder } from './order.js';
import { StepSeries } from './series.js';

/**
 * What every CPU was doing over time, and every Xen vCPU's run state (issue 7): one ordered
 * pass, one step function per CPU / vCPU.
 *
 * A CPU (a vCPU in a guest's perf/ftrace trace, a physical CPU in xentrace) is in IRQ while a
 * hard interrupt handler runs (irq_entry … irq_exit, irq_vector_entry … exit, nested ones
 * counted), else in softirq, else idle or running by the last context switch: sched_switch to
 * pid 0 (the swapper) in a guest, a switch to Xen's idle domain in xentrace. Before the first
 * event that says which, a CPU's state is unknown and is counted as such, not guessed.
 * xentrace prints one record per handled IRQ with the handler's duration (a1) rather than an
 * entry/exit pair, so the IRQ interval is [t, t + a1] there; its other IRQ records (a virtual IRQ
 * injected into a vCPU, an HVM exit for an external interrupt) are points with no end, not states.
 *
 * vCPUs come from xentrace runstate changes (a0 domain, a1 vcpu, a3 new state). A perf/ftrace
 * trace of a guest has no vCPU table of its own: its CPUs are the vCPUs.
 */

export const CPU_STATES = ['unknown', 'idle', 'running', 'softirq', 'irq'] as const;
export const VCPU_STATES = ['running', 'runnable', 'blocked', 'offline'] as const;
const READ = kindTable(['runstate', 'sched_switch', 'vcpu_switch', 'irq_entry', 'irq_exit', 'irq_vector_entry', 'irq_vector_exit', 'softirq_entry', 'softirq_exit']);
const UNKNOWN = 0;
const IDLE = 1;
const RUNNING = 2;
const SOFTIRQ = 3;
const IRQ = 4;

export interface CpuTimeline {
  cpu: number;
  /** State code (index into CPU_STATES) as a step function of time. */
  state: StepSeries;
  /** ns spent in each of CPU_STATES between the trace's first and last event. */
  time: Float64Array;
}

export interface VcpuTimeline {
  domain: number;
  vcpu: number;
  /** Runstate code (index into VCPU_STATES) as a step function; NaN before its first change. */
  state: StepSeries;
  /** ns in each of VCPU_STATES from its first runstate change to the end of the trace. */
  time: Float64Array;
  /** Per state: intervals that began and ended with a runstate change, and their ns (xenalyze's figures). */
  closedCount: Float64Array;
  closedTime: Float64Array;
}

export interface CpuStateReplay {
  cpus: CpuTimeline[];
  vcpus: VcpuTimeline[];
  startNs: number;
  endNs: number;
}

interface CpuTrack {
  timeline: CpuTimeline;
  base: number;
  irqDepth: number;
  softDepth: number;
  /** xentrace: the handled IRQ runs until this time. */
  irqUntil: number;
  since: number;
}

/** One replay per model, shared like the queue replay's (the state table and the IRQ-spread check both read it); callers only read it. */
const replays = new WeakMap<TraceModel, CpuStateReplay>();

export function replayCpuStates(model: TraceModel): CpuStateReplay {
  let replay = replays.get(model);
  if (replay === undefined) replays.set(model, (replay = replayOnce(model)));
  return replay;
}

function replayOnce(model: TraceModel): CpuStateReplay {
  const e = model.events;
  const K = KIND_CODE;
  const order = timeOrder(e.tsNs);
  const tracks: CpuTrack[] = [];
  const vcpus = new Map<number, VcpuTimeline & { since: number }>();
  const [startNs, endNs] = span(e.tsNs, order);

  const settle = (t: CpuTrack, at: number): void => {
    const s = t.timeline.state.current;
    t.timeline.time[s] += at - t.since;
    t.since = at;
  };
  const update = (t: CpuTrack, at: number): void => {
    if (t.irqUntil > at) return; // still inside a xentrace IRQ interval
    if (t.irqUntil > t.since) {
      settle(t, t.irqUntil);
      t.timeline.state.set(t.irqUntil, stateOf(t));
      t.irqUntil = -Infinity;
    }
    const next = stateOf(t);
    if (next !== t.timeline.state.current) {
      settle(t, at);
      t.timeline.state.set(at, next);
    }
  };

  for (let k = 0; k < e.tsNs.length; k++) {
    const i = order === null ? k : order[k];
    const kind = e.kind[i];
    if (READ[kind] === 0) continue;
    const at = e.tsNs[i];
    if (!(at === at)) continue;
    if (kind === K.runstate) {
      trackVcpu(vcpus, e.a0[i], e.a1[i], e.a3[i], at);
      continue;
    }
    const cpu = e.cpu[i];
    if (cpu < 0) continue;
    // A CPU's first event may come late: from the trace's start until then its state is unknown.
    const t = (tracks[cpu] ??= newTrack(cpu, startNs));
    if (kind === K.sched_switch) t.base = e.a1[i] === 0 ? IDLE : RUNNING;
    else if (kind === K.vcpu_switch) t.base = e.a2[i] === DOMAIN_HYPERVISOR ? IDLE : RUNNING;
    else if (kind === K.irq_entry && e.domain[i] === DOMAIN_HYPERVISOR) {
      // xentrace HW_IRQ_HANDLED: one record, handler time in a1.
      update(t, at);
      settle(t, at);
      t.timeline.state.set(at, IRQ);
      t.irqUntil = Math.max(t.irqUntil, at + (e.a1[i] === e.a1[i] ? e.a1[i] : 0));
      continue;
    } else if (e.domain[i] >= 0) continue; // other xentrace IRQ records (INJ_VIRQ, HVM INTR) are points about a vCPU, with no exit
    else if (kind === K.irq_entry || kind === K.irq_vector_entry) t.irqDepth++;
    else if (kind === K.irq_exit || kind === K.irq_vector_exit) t.irqDepth = Math.max(0, t.irqDepth - 1);
    else if (kind === K.softirq_entry) t.softDepth++;
    else if (kind === K.softirq_exit) t.softDepth = Math.max(0, t.softDepth - 1);
    else continue;
    update(t, at);
  }
  for (const t of tracks) {
    if (t === undefined) continue;
    update(t, endNs);
    settle(t, endNs);
  }
  for (const v of vcpus.values()) {
    v.time[v.state.current] += endNs - v.since;
  }
  return {
    cpus: tracks.filter((t) => t !== undefined).map((t) => t.timeline),
    vcpus: [...vcpus.values()].sort((a, b) => a.domain - b.domain || a.vcpu - b.vcpu).map(({ since: _, ...v }) => v),
    startNs,
    endNs,
  };
}

function newTrack(cpu: number, at: number): CpuTrack {
  const state = new StepSeries();
  state.set(at, UNKNOWN);
  return { timeline: { cpu, state, time: new Float64Array(CPU_STATES.length) }, base: UNKNOWN, irqDepth: 0, softDepth: 0, irqUntil: -Infinity, since: at };
}

function stateOf(t: CpuTrack): number {
  if (t.irqDepth > 0) return IRQ;
  if (t.softDepth > 0) return SOFTIRQ;
  return t.base;
}

function trackVcpu(vcpus: Map<number, VcpuTimeline & { since: number }>, domain: number, vcpu: number, state: number, at: number): void {
  if (!(state >= 0 && state < VCPU_STATES.length)) return;
  const key = domain * 65536 + vcpu; // a number, not a string: xentrace has millions of runstate records
  let v = vcpus.get(key);
  if (v === undefined) {
    const n = VCPU_STATES.length;
    v = { domain, vcpu, state: new StepSeries(), time: new Float64Array(n), closedCount: new Float64Array(n), closedTime: new Float64Array(n), since: at };
    vcpus.set(key, v);
  } else {
    const was = v.state.current;
    v.time[was] += at - v.since;
    v.closedCount[was]++;
    v.closedTime[was] += at - v.since;
    v.since = at;
  }
  v.state.set(at, state);
}

/** Fractions of the trace each CPU spent per state, for the replay document. */
export function cpuStateSummary(r: CpuStateReplay): { cpus: Record<string, number>[]; vcpus: Record<string, number>[] } {
  const fractions = (time: Float64Array, names: readonly string[]) => {
    const total = time.reduce((a, b) => a + b, 0);
    return Object.fromEntries(names.map((n, s) => [`${n}_fraction`, total > 0 ? round(time[s] / total) : 0]));
  };
  return {
    cpus: r.cpus.map((c) => ({ cpu: c.cpu, ...fractions(c.time, CPU_STATES) })),
    vcpus: r.vcpus.map((v) => ({ domain: v.domain, vcpu: v.vcpu, ...fractions(v.time, VCPU_STATES) })),
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
