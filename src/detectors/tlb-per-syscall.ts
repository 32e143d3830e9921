import { kindTable } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';
import type { Detector, DetectorContext, DetectorFinding, DetectorResult } from './contract.js';
import { iretReturns, iretTest, isMmSyscall, switchesMm, syscallName } from './syscalls.js';
import { gather, indexedRows, prevKindOnCpu } from './rows.js';
import { kindCode } from './trace-facts.js';
import { captureHint, perSecond, ratio, share, stringIdTest, threadLabel, window } from './util.js';

/**
 * tlb-per-syscall (DESIGN §5): TLB flushes attributed to the syscall in flight in the
 * flushing thread (or vCPU when records carry no thread). About one flush for most syscalls
 * of a task, not only mm syscalls, is the 64-bit PV guest pattern (warning); flushes confined
 * to munmap/madvise/mprotect… are ordinary shootdowns (info).
 *
 * What counts as one flush: one local flush (tlb reasons 2, 3) and the IPI send (4) that the
 * same munmap issues are one operation, so a syscall counts max(local, send) + flushes of
 * unknown reason (xen_mmu_flush_tlb*, xentrace). Received shootdowns (1, 5) belong to the
 * initiator and are not counted for the bystander; `flush on task switch` (0) and
 * xen_mmu_write_cr3 come from context switches or exec, and count only when they are not
 * (sched_switch just before, exec/exit in flight, or no sched_switch events to tell).
 *
 * Hypervisor traces (xentrace) have no threads: records are tallied per domain, a syscall is a
 * 64-bit PV guest's return through the `iret` hypercall (DESIGN §4), and that return is itself
 * one flush — Xen switches from the guest kernel's to the user page tables (toggle_guest_mode,
 * a CR3 write) — on top of any mmuext_op flushes since the previous return.
 */
const HINTS = {
  'perf-script': "perf record -a -e raw_syscalls:sys_enter,raw_syscalls:sys_exit,tlb:tlb_flush,sched:sched_switch --exclude-perf -- sleep 10   # Xen PV guests: add -e 'xen:xen_mmu_flush_tlb*'",
  ftrace: 'trace-cmd record -e raw_syscalls -e tlb:tlb_flush -e sched:sched_switch sleep 10   # Xen PV guests: add -e xen:xen_mmu_flush_tlb_one_user -e xen:xen_mmu_flush_tlb_multi',
  xentrace: 'xentrace -D -e 0x0020f000 -T 10 pv.xentrace   # TRC_PV: iret (op 23) per syscall return, mmuext_op (26) flushes',
  xenoprof: 'a flat profile has no syscall counts: trace the guest with perf/trace-cmd (raw_syscalls + tlb:tlb_flush), or xentrace -e 0x0020f000',
};

const R_TASK_SWITCH = 0;
const R_REMOTE_RECEIVED = 1;
const R_REMOTE_WRONG_CPU = 5;
const R_SEND_IPI = 4;

interface Tally {
  calls: number;
  flushes: number;
  /** Calls that flushed at least once: "most syscalls flush" is coverage, not a ratio a few bursty calls can fake. */
  flushed: number;
  name: string;
  mm: boolean;
}

export const tlbPerSyscall: Detector = {
  id: 'tlb-per-syscall',
  summary: 'TLB flushes per syscall: ≈1 for most syscalls = 64-bit PV guest pattern; mm-only = shootdowns',
  needs: 'syscall enter/exit events and TLB flush events (tlb:tlb_flush, xen:xen_mmu_flush_tlb*, xentrace CR3/mmuext)',
  defaults: { min_syscalls: 50, min_flushes: 20, pv_coverage: 0.5, mm_ratio: 0.25, error_rate_per_s: 20000, count_task_switch: 0, max_tasks: 16 },
  settingsDoc: {
    min_syscalls: 'syscalls a task needs before its ratio is judged',
    min_flushes: 'flushes a task needs before it is reported',
    pv_coverage: 'fraction of non-mm syscalls that flush at which a task shows the per-syscall (64-bit PV) pattern (warning)',
    mm_ratio: 'flushes per mm syscall (munmap, madvise, …) reported as ordinary shootdowns (info)',
    error_rate_per_s: 'per-syscall flushes per second that make the PV pattern an error',
    count_task_switch: '1 = count every `flush on task switch` / write_cr3 as a syscall flush',
    max_tasks: 'most tasks reported (worst first; an 8-thread sender is 8 tasks)',
  },
  run(ctx: DetectorContext): DetectorResult {
    const { facts } = ctx;
    const calls = (facts.kindCounts.syscall_enter ?? 0) + (facts.kindCounts.syscall_exit ?? 0);
    const flushes = (facts.kindCounts.tlb_flush ?? 0) + (calls > 0 && (facts.kindCounts.tlb_flush ?? 0) === 0 ? iretReturns(ctx.model) : 0);
    if (calls === 0 || flushes === 0) {
      const lacking = calls === 0 && flushes === 0 ? 'syscall and TLB flush events' : calls === 0 ? 'syscall events' : 'TLB flush events';
      return { skipped: `no ${lacking} in this trace`, captureHint: captureHint(HINTS, facts.format) };
    }
    return { findings: judge(ctx, attribute(ctx.model, ctx)) };
  },
};

const WANTED = ['syscall_enter', 'syscall_exit', 'tlb_flush'] as const;

interface Subject {
  label: string;
  tallies: Map<number, Tally>; // syscall key → calls, flushes
  first: number;
  last: number;
  skippedSwitch: number;
  outside: number;
  lastKey?: number;
  lastTally?: Tally;
}

/** One ordered pass: per context (thread, else vCPU, else CPU) the syscall in flight and its flush counts. */
function attribute(model: TraceModel, ctx: DetectorContext): Subject[] {
  const e = model.events;
  const indexed = indexedRows(model, WANTED);
  const rows = indexed?.rows ?? null;
  const want = kindTable(WANTED);
  const n = rows !== null ? rows.length : e.kind.length;
  // Row j's wide values (time, a0, a1) gathered at the index's rows (a read per row of a wide
  // column misses the cache); or the columns themselves. Narrow columns are read by row.
  const a0 = indexed?.a0 ?? e.a0;
  const ts = indexed?.tsNs ?? e.tsNs;
  const a1 = gather(e.a1, rows);
  const isIret = iretTest(model, e.str0);
  const ENTER = kindCode('syscall_enter');
  const EXIT = kindCode('syscall_exit');
  const SWITCH = kindCode('sched_switch');
  const countSwitch = ctx.settings.count_task_switch >= 1;
  const canTellSwitches = (ctx.facts.kindCounts.sched_switch ?? 0) > 0;
  const exitsOnly = (ctx.facts.kindCounts.syscall_enter ?? 0) === 0;

  // Contexts: utids first, then vCPUs / CPUs met on the way (xentrace records have no thread).
  const subjects: Subject[] = [];
  const subjectOfTid = new Map<number, number>();
  const ctxSubject: number[] = model.threads.map((t) => {
    let s = subjectOfTid.get(t.tid);
    if (s === undefined) {
      s = subjects.push({ label: '', tallies: new Map(), first: Infinity, last: -Infinity, skippedSwitch: 0, outside: 0 }) - 1;
      subjectOfTid.set(t.tid, s);
    }
    return s;
  });
  const extraCtx = new Map<number, number>();
  let lastKey = NaN; // xentrace: one domain's records come in runs, so remember the last lookup
  let lastCtx = -1;
  const callsByUtid = new Float64Array(model.threads.length);
  let inflight = new Float64Array(ctxSubject.length + 64).fill(NaN); // syscall key in flight
  let local = new Float64Array(inflight.length);
  let send = new Float64Array(inflight.length);
  let other = new Float64Array(inflight.length);
  const mmKey = new Map<number, number>(); // key → 1 mm, 2 switches mm, 0 neither

  const contextOf = (i: number): number => {
    if (e.utid[i] >= 0) return e.utid[i];
    // No thread: the domain (its vCPUs run the same guest's syscalls), else the CPU.
    const key = e.domain[i] >= 0 ? e.domain[i] : -1 - e.cpu[i];
    if (key === lastKey) return lastCtx;
    let c = extraCtx.get(key);
    if (c === undefined) {
      c = ctxSubject.length;
      ctxSubject.push(subjects.push({ label: key >= 0 ? `d${e.domain[i]}` : `cpu${e.cpu[i]}`, tallies: new Map(), first: Infinity, last: -Infinity, skippedSwitch: 0, outside: 0 }) - 1);
      extraCtx.set(key, c);
      if (c >= inflight.length) {
        const grow = (a: Float64Array, fill: number) => {
          const b = new Float64Array(a.length * 2).fill(fill);
          b.set(a);
          return b;
        };
        inflight = grow(inflight, NaN);
        local = grow(local, 0);
        send = grow(send, 0);
        other = grow(other, 0);
      }
    }
    lastKey = key;
    lastCtx = c;
    return c;
  };
  const syscallKey = (i: number, j: number) => (Number.isFinite(a0[j]) ? a0[j] : e.str0[i] >= 0 ? 2 ** 31 + e.str0[i] : -1);
  const keyName = (key: number) => (key < 0 ? 'syscall ?' : key >= 2 ** 31 ? model.str(key - 2 ** 31) : syscallName(key));
  const mmClass = (key: number) => {
    let c = mmKey.get(key);
    if (c === undefined) {
      const name = keyName(key);
      c = switchesMm(name) ? 2 : isMmSyscall(name) ? 1 : 0;
      mmKey.set(key, c);
    }
    return c;
  };
  const close = (c: number, key: number) => {
    const subj = subjects[ctxSubject[c]];
    // The same syscall comes back to back (xentrace: every return is `iret`, a key Map lookups find slowly).
    let t = subj.lastKey === key ? subj.lastTally : subj.tallies.get(key);
    if (t === undefined) subj.tallies.set(key, (t = { calls: 0, flushes: 0, flushed: 0, name: keyName(key), mm: mmClass(key) > 0 }));
    subj.lastKey = key;
    subj.lastTally = t;
    const ops = Math.max(local[c], send[c]) + other[c];
    t.calls++;
    t.flushes += ops;
    if (ops > 0) t.flushed++;
    local[c] = send[c] = other[c] = 0;
    inflight[c] = NaN;
  };

  const isCr3 = stringIdTest(model, (s) => s.endsWith('write_cr3')); // by event name id
  // Only syscall and flush rows matter; the record before a flush on its CPU is looked up when needed.
  for (let j = 0; j < n; j++) {
    const i = rows !== null ? rows[j] : j;
    const k = e.kind[i];
    if (want[k] === 0) continue;
    const c = contextOf(i);
    if (k === ENTER) {
      if (inflight[c] === inflight[c]) close(c, inflight[c]); // exit missing: still one call
      inflight[c] = syscallKey(i, j);
      if (e.utid[i] >= 0) callsByUtid[e.utid[i]]++;
    } else if (k === EXIT) {
      if (isIret(i)) {
        other[c]++; // the return's own switch to the user page tables
        const subj = subjects[ctxSubject[c]];
        if (ts[j] < subj.first) subj.first = ts[j];
        if (ts[j] > subj.last) subj.last = ts[j];
      }
      if (inflight[c] === inflight[c]) close(c, inflight[c]);
      else if (exitsOnly) close(c, syscallKey(i, j)); // flushes since the previous return belong to this call
      else local[c] = send[c] = other[c] = 0; // entered before the trace began
      if (exitsOnly && e.utid[i] >= 0) callsByUtid[e.utid[i]]++;
    } else {
      const reason = a1[j];
      if (reason === R_REMOTE_RECEIVED || reason === R_REMOTE_WRONG_CPU) continue;
      const subj = subjects[ctxSubject[c]];
      const inSyscall = inflight[c] === inflight[c];
      const cr3 = isCr3(e.name[i]);
      const switchLike = reason === R_TASK_SWITCH || cr3;
      if (switchLike && !countSwitch) {
        const byExecOrExit = inSyscall && mmClass(inflight[c]) === 2;
        if (!canTellSwitches || byExecOrExit || prevKindOnCpu(model, i, e.cpu[i]) === SWITCH) {
          subj.skippedSwitch++;
          continue;
        }
      }
      if (!inSyscall && !exitsOnly) {
        subj.outside++;
        continue;
      }
      if (reason === R_SEND_IPI) send[c]++;
      else if (reason === reason) local[c]++;
      else other[c]++;
      const t = ts[j];
      if (t < subj.first) subj.first = t;
      if (t > subj.last) subj.last = t;
    }
  }
  for (let c = 0; c < ctxSubject.length; c++) if (inflight[c] === inflight[c]) close(c, inflight[c]);
  // Label each tid by the comm it issued most syscalls under (a task renames itself after exec/prctl).
  const best = new Float64Array(subjects.length).fill(-1);
  model.threads.forEach((_t, u) => {
    const s = ctxSubject[u];
    if (callsByUtid[u] > best[s]) {
      best[s] = callsByUtid[u];
      subjects[s].label = threadLabel(model, u);
    }
  });
  for (const s of subjects) if (s.label === '') s.label = 'unknown task';
  return subjects;
}

function judge(ctx: DetectorContext, subjects: Subject[]): DetectorFinding[] {
  const { facts, settings } = ctx;
  const out: { f: DetectorFinding; flushes: number }[] = [];
  for (const s of subjects) {
    const rows = [...s.tallies.values()];
    let calls = 0, flushes = 0, mmCalls = 0, mmFlushes = 0, nonMmFlushed = 0;
    for (const r of rows) {
      calls += r.calls;
      flushes += r.flushes;
      if (r.mm) {
        mmCalls += r.calls;
        mmFlushes += r.flushes;
      } else nonMmFlushed += r.flushed;
    }
    if (calls < settings.min_syscalls || flushes < settings.min_flushes) continue;
    const nonMmCalls = calls - mmCalls;
    const nonMmRatio = nonMmCalls > 0 ? (flushes - mmFlushes) / nonMmCalls : 0;
    const coverage = nonMmCalls > 0 ? nonMmFlushed / nonMmCalls : 0;
    const perSyscall = nonMmCalls >= settings.min_syscalls && coverage >= settings.pv_coverage;
    const mmRatio = mmCalls > 0 ? mmFlushes / mmCalls : 0;
    if (!perSyscall && mmRatio < settings.mm_ratio) continue;
    const rate = perSecond(flushes, facts.durationNs);
    const perCall = flushes / calls;
    const severity = !perSyscall ? 'info' : (rate ?? 0) >= settings.error_rate_per_s ? 'error' : 'warning';
    const bySyscall = rows
      .map((r) => ({ syscall: r.name, calls: r.calls, flushes: r.flushes, flushes_per_call: ratio(r.flushes / r.calls), calls_that_flushed: r.flushed, mm_syscall: r.mm }))
      .sort((a, b) => b.flushes - a.flushes || b.calls - a.calls || (a.syscall < b.syscall ? -1 : 1));
    const top = bySyscall.filter((r) => r.flushes > 0).slice(0, 3).map((r) => `${r.syscall} ${r.flushes_per_call}/call`).join(', ');
    out.push({
      flushes,
      f: {
        severity,
        title: perSyscall
          ? `${s.label}: ≈${ratio(perCall)} TLB flush per syscall across its syscalls (64-bit PV pattern)`
          : `${s.label}: TLB shootdowns in mm syscalls (${top})`,
        message:
          `${flushes} flushes attributed to ${calls} syscalls (${ratio(perCall)} per syscall; ${(coverage * 100).toFixed(1)}% of ${nonMmCalls} non-mm syscalls flushed)` +
          (rate !== null ? `, ${rate.toFixed(0)} flushes/s` : '') +
          `. Top: ${top}.`,
        metrics: {
          task: s.label,
          flushes_per_syscall: ratio(perCall),
          syscalls: calls,
          flushes,
          non_mm_flushes_per_syscall: ratio(nonMmRatio),
          non_mm_flushing_fraction: share(coverage),
          mm_share_of_flushes: share(flushes > 0 ? mmFlushes / flushes : 0),
          rate_per_s: rate,
          pattern: perSyscall ? 'per-syscall' : 'mm-shootdown',
        },
        evidence: {
          per_syscall: bySyscall.slice(0, 12),
          not_counted: { task_switch_or_exec_flushes: s.skippedSwitch, flushes_outside_syscalls: s.outside },
          lost_records: facts.lostRecords,
        },
        recommendation: perSyscall
          ? 'Every syscall of this task pays a TLB flush: the 64-bit PV guest kernel/user page-table switch. Run the guest as PVH or HVM (type = "pvh" in the xl config) so syscalls stay inside the guest, or batch work into fewer syscalls (larger reads/writes, sendmmsg/recvmmsg, io_uring); on old Xen, check that XPTI/Meltdown mitigations are what you expect (xpti= on the Xen command line).'
          : 'These flushes come from the task changing its own mappings (munmap/madvise/mprotect): reuse buffers instead of mapping and unmapping per request (a pool, MADV_FREE instead of MADV_DONTNEED, larger or huge pages), and keep the task\'s threads on fewer CPUs so shootdown IPIs reach fewer CPUs.',
        window: window(s.first, s.last),
      },
    });
  }
  const rank = { error: 2, warning: 1, info: 0 };
  out.sort((a, b) => rank[b.f.severity] - rank[a.f.severity] || b.flushes - a.flushes || (a.f.metrics.task as string).localeCompare(b.f.metrics.task as string));
  return out.slice(0, Math.max(1, settings.max_tasks)).map((x) => x.f);
}
