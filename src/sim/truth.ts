import type { VCpu } from './cpu.js';
import { EV } from './log.js';
import { forEachTick, unhaltedSamples } from './sampling.js';
import type { DetectorId } from './scenario.js';
import type { SimRun } from './simulate.js';
import { GRANT_FRAME, SPIN_FRAME, STACKS, frameSymbol } from './stacks.js';
import type { WriteResult } from './writers/result.js';

export type Where = Record<string, string | number | string[]>;
export type Metrics = Record<string, string | number>;

export interface Pathology {
  detector: DetectorId;
  where: Where;
  metrics: Metrics;
  window: { start_ns: number; end_ns: number };
}

/** DESIGN §8 `tracelens.truth/v1`, plus the facts a reader needs to parse the trace and what it cannot show. */
export interface Truth {
  schema: 'tracelens.truth/v1';
  scenario: string;
  seed: number;
  format: string;
  meta: Record<string, string | number>;
  pathologies: Pathology[];
  unobservable: { detector: DetectorId; where: Where; reason: string }[];
}

export type Format = 'perf-script' | 'ftrace' | 'xentrace' | 'xenoprof';

/** An IRQ's device: `vif1.0-q3-tx` → `vif1.0`, `eth0-q0-rx` → `eth0` (the aggregate irq-pinned reports). */
export function irqDevice(name: string): string {
  return name.replace(/(-q\d+)?-(tx|rx)$/, '');
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

/** irq-pinned, as a detector computes it from irq_handler_entry lines of domain `domain`'s trace. */
export function irqMetrics(run: SimRun, domain: number, device: string, spanNs = run.endNs): { metrics: Metrics; irqs: string[] } {
  const perCpu = new Map<number, number>();
  const names = new Set<string>();
  for (const cpu of run.domains.get(domain)?.vcpus ?? []) {
    const ev = cpu.log.ev;
    for (let i = 0; i < ev.n; i++) {
      if (ev.kind[i] !== EV.IRQ_ENTRY || irqDevice(run.names[ev.b[i]]) !== device) continue;
      names.add(run.names[ev.b[i]]);
      perCpu.set(cpu.index, (perCpu.get(cpu.index) ?? 0) + 1);
    }
  }
  let total = 0;
  let best = -1;
  let bestN = 0;
  for (const [cpu, n] of [...perCpu].sort((a, b) => a[0] - b[0])) {
    total += n;
    if (n > bestN) [best, bestN] = [cpu, n];
  }
  const metrics = { irq: device, cpu: best, share: total === 0 ? 0 : round(bestN / total), rate_per_s: round(total / (spanNs / 1e9), 1) };
  return { metrics, irqs: [...names].sort() };
}

/**
 * tlb-per-syscall from the trace of `domain`: TLB flushes while a syscall is in flight on that
 * CPU, per task (perf/ftrace name the task; `task` = -1 sums them). xentrace has no tasks: there
 * it is per domain, a syscall being a 64-bit PV guest's return through the iret hypercall, and
 * each return one page-table switch in Xen (toggle_guest_mode).
 */
export function tlbMetrics(run: SimRun, domain: number, format: Format, task = -1): Metrics {
  let syscalls = 0;
  let flushes = 0;
  for (const cpu of run.domains.get(domain)?.vcpus ?? []) {
    const ev = cpu.log.ev;
    let inSyscall = false;
    for (let i = 0; i < ev.n; i++) {
      const k = ev.kind[i];
      if (format === 'xentrace') {
        if (k === EV.X_HYPERCALL && ev.a[i] === 23) syscalls++, flushes++;
        continue;
      }
      if (task >= 0 && ev.task[i] !== task) continue;
      if (k === EV.SYS_ENTER) syscalls++, (inSyscall = true);
      else if (k === EV.SYS_EXIT) inSyscall = false;
      else if (k === EV.TLB_FLUSH && inSyscall) flushes++;
    }
  }
  return { flushes_per_syscall: syscalls === 0 ? 0 : round(flushes / syscalls, 4), syscalls, flushes };
}

/** Tasks of `domain` that made syscalls in the run (perf/ftrace), in task order. */
function syscallTasks(run: SimRun, domain: number): number[] {
  const seen = new Set<number>();
  for (const cpu of run.domains.get(domain)?.vcpus ?? []) {
    const ev = cpu.log.ev;
    for (let i = 0; i < ev.n; i++) if (ev.kind[i] === EV.SYS_ENTER) seen.add(ev.task[i]);
  }
  return [...seen].sort((a, b) => a - b);
}

/**
 * Per stack: [spins on a lock with grant-table code above, is in grant-table code] for the frames
 * a format shows. Callchains (perf) count grant-table code anywhere in the stack; a flat profile
 * (xenoprof) only knows the symbol a sample landed in, so there it is the leaf.
 */
function stackFlags(stack: number, hideXen: boolean, leafOnly: boolean): [boolean, boolean] {
  const syms = STACKS[stack].frames.filter((f) => !(hideXen && f[0] === 'x')).map(frameSymbol);
  const grant = leafOnly ? GRANT_FRAME.test(syms[0]) : syms.some((s) => GRANT_FRAME.test(s));
  const spin = SPIN_FRAME.test(syms[0]) && syms.slice(1).some((s) => GRANT_FRAME.test(s));
  return [spin, grant];
}

/**
 * gnttab-lock. perf: shares of dom0's cpu-clock ticks (idle included); xenoprof: shares of every
 * pCPU's unhalted samples, by the symbol they land in; xentrace (no samples): time inside
 * grant_table_op hypercalls, spinning or copying, over the trace's pCPU time (pCPUs × span).
 */
export function gnttabMetrics(run: SimRun, format: Format, spanNs = run.endNs): Metrics {
  if (format === 'xentrace') {
    const capacity = spanNs * run.cpus.length;
    const spinNs = run.locks.reduce((x, l) => x + l.spinNs, 0);
    const busyNs = run.locks.reduce((x, l) => x + l.spinNs + l.copyNs, 0);
    return { spin_share: round(spinNs / capacity), gnttab_share: round(busyNs / capacity) };
  }
  let total = 0;
  let spin = 0;
  let grant = 0;
  const add = (stack: number, w: number, hideXen: boolean) => {
    const [s, g] = stackFlags(stack, hideXen, format === 'xenoprof');
    total += w;
    if (s) spin += w;
    if (g) grant += w;
  };
  if (format === 'xenoprof') {
    for (const cpu of run.cpus as VCpu[]) {
      for (const [stack, w] of unhaltedSamples(run, cpu, run.scenario.xenoprof.count, run.scenario.host.cpuMhz)) add(stack, w, false);
    }
  } else {
    const hide = run.scenario.capture.hypervisorFrames === 'stub';
    for (const cpu of run.domains.get(run.scenario.capture.domain)?.vcpus ?? []) forEachTick(run, cpu, run.scenario.capture.sampleHz, (_t, stack) => add(stack, 1, hide));
  }
  return { spin_share: total === 0 ? 0 : round(spin / total), gnttab_share: total === 0 ? 0 : round(grant / total) };
}

/** ring-full for one netfront TX queue: stops (rc=16) until the next successful xmit. */
export function ringMetrics(run: SimRun, queue: string): Metrics {
  const q = run.txQueues.find((x) => x.name === queue);
  const lengths = q === undefined ? [] : q.start.map((s, i) => q.end[i] - s).sort((a, b) => a - b);
  const stalled = lengths.reduce((x, y) => x + y, 0);
  const p99 = lengths.length === 0 ? 0 : lengths[Math.ceil(0.99 * lengths.length) - 1];
  return { stalled_fraction: round(stalled / run.endNs), stalls: lengths.length, p99_stall_ns: Math.round(p99) };
}

/** Queues count as ring-full pathologies when stalled at least this fraction of the run. */
export const RING_FULL_FLOOR = 0.05;

/**
 * The truth file for one written trace: each injected pathology that this format, from this
 * viewpoint, can show, with metrics computed from what the simulator did in the definitions
 * the detectors use; the rest are listed as unobservable with the reason.
 */
export function truthFor(run: SimRun, format: Format, written: WriteResult): Truth {
  const s = run.scenario;
  const first = Number.isFinite(written.firstNs) ? written.firstNs : 0;
  const window = { start_ns: 0, end_ns: run.endNs - first };
  const view = s.capture.domain;
  const guestView = format === 'perf-script' || format === 'ftrace';
  const truth: Truth = {
    schema: 'tracelens.truth/v1',
    scenario: s.name,
    seed: run.seed,
    format,
    meta: { ...written.meta, duration_ns: run.endNs, records: written.records },
    pathologies: [],
    unobservable: [],
  };
  const add = (detector: DetectorId, where: Where, metrics: Metrics) => truth.pathologies.push({ detector, where, metrics, window });
  const hidden = (detector: DetectorId, where: Where, reason: string) => truth.unobservable.push({ detector, where, reason });
  const sees = (domain: number) => guestView && domain === view;

  if (s.inject.includes('irq-pinned')) {
    const pinned = [0, ...s.guests.filter((g) => g.irq === 'vcpu0').map((g) => g.id)].filter((d) => (d === 0 ? s.dom0.irq : s.guests.find((g) => g.id === d)?.irq) === 'vcpu0');
    for (const d of pinned) {
      const devices = [...new Set([...(run.domains.get(d)?.irqs.keys() ?? [])].map(irqDevice))].sort();
      for (const device of devices) {
        if (!sees(d)) hidden('irq-pinned', { domain: d, irq: device }, guestView ? `the trace is captured in domain ${view}` : `${format} does not show guest IRQ handlers`);
        else {
          const { metrics, irqs } = irqMetrics(run, d, device, written.lastNs - written.firstNs);
          // A device whose interrupts never fired in this run (e.g. refill notifications nobody waited for) pins nothing.
          if (irqs.length > 0) add('irq-pinned', { domain: d, cpu: metrics.cpu, irq: device, irqs }, metrics);
        }
      }
    }
  }
  if (s.inject.includes('tlb-per-syscall')) {
    for (const g of s.guests.filter((x) => x.type === 'pv64')) {
      if (format === 'xentrace') add('tlb-per-syscall', { domain: g.id }, tlbMetrics(run, g.id, format));
      else if (sees(g.id)) {
        for (const task of syscallTasks(run, g.id)) {
          const t = run.tasks[task];
          add('tlb-per-syscall', { domain: g.id, comm: t.comm, tid: t.tid }, tlbMetrics(run, g.id, format, task));
        }
      } else hidden('tlb-per-syscall', { domain: g.id }, format === 'xenoprof' ? 'opreport counts samples, not syscalls or flushes' : `the trace is captured in domain ${view}`);
    }
  }
  if (s.inject.includes('gnttab-lock')) {
    const where = { domain: 0, lock: 'grant_table' };
    if (format === 'xenoprof' || format === 'xentrace' || (format === 'perf-script' && view === 0)) add('gnttab-lock', where, gnttabMetrics(run, format, written.lastNs - written.firstNs));
    else hidden('gnttab-lock', where, format === 'perf-script' ? `the trace is captured in domain ${view}` : 'ftrace carries neither profile samples nor hypercalls');
  }
  if (s.inject.includes('ring-full')) {
    for (const q of run.txQueues) {
      const m = ringMetrics(run, q.name);
      if ((m.stalled_fraction as number) < RING_FULL_FLOOR) continue;
      const where = { domain: q.domain, queue: q.name };
      if (sees(q.domain)) add('ring-full', where, m);
      else hidden('ring-full', where, guestView ? `the trace is captured in domain ${view}` : `${format} does not show netfront queue stops`);
    }
  }
  return truth;
}
