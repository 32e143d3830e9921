import { SLEEPING_LOCK_SLOWPATH, SPIN_FUNC, baseName, classifyFrames, isGrantTableFunc, isHypervisorImage, lockCaller, stackBits } from './frames.js';
import type { Detector, DetectorContext, DetectorFinding, DetectorResult } from './contract.js';
import { countsSample, kindCode } from './trace-facts.js';
import { captureHint, ns, percentile, perSecond, share, severityFor, stackText, topEntries, window } from './util.js';

/**
 * hot-lock (DESIGN §5): one kernel lock with concentrated contention. From lock:contention_begin/end
 * pairs (per thread, so a sleeper that wakes on another CPU still pairs), grouped by lock address;
 * the lock is named after the code that takes it (callchains from perf -g or ftrace stacktrace),
 * because addresses differ between perf (raw) and ftrace (hashed). Without lock events, spin and
 * sleeping-lock slow-path samples are grouped by the calling function. Spins under grant-table
 * frames are left to gnttab-lock, and so, in a flat profile (no callers) that has grant-table
 * samples, are spin symbols in the hypervisor image: gnttab-lock claims exactly those, and one
 * lock must not be reported twice.
 */
const HINTS = {
  'perf-script': 'perf record -a -g -e lock:contention_begin,lock:contention_end -- sleep 10   # or perf lock record / perf lock contention',
  ftrace: 'trace-cmd record -e lock:contention_begin -e lock:contention_end -T sleep 10   # -T: stack traces name the lock owner code',
  xentrace: 'Xen does not trace lock waits: profile the hypervisor (xenoprof: opreport -l -c, or perf on dom0 with -g) for _spin_lock time',
  xenoprof: 'opcontrol --xen=… --vmlinux=… ; opreport -l -c   # callgraph mode names the caller of _spin_lock',
};

const F_SPIN = 1, F_READ = 2, F_WRITE = 4, F_RT = 8, F_PERCPU = 16, F_MUTEX = 32;

/** Callers that identify well-known locks (the address alone says nothing to a reader). */
const KNOWN_LOCKS: [RegExp, string][] = [
  [/posix_lock|flock_lock|^locks_|fcntl_setlk|lock_file|flock/, 'file_lock_context.flc_lock (POSIX/flock locks)'],
  [/mmap|munmap|madvise|mprotect|mremap|brk|page_fault|user_addr_fault|find_vma|vm_area|vma_/, 'mm->mmap_lock'],
  [/^(?:__)?(?:d_alloc|dput|d_lookup|lockref)/, 'dentry d_lock'],
  [/^(?:__)?(?:netif|dev_queue_xmit|sch_direct_xmit|__dev_xmit_skb|qdisc)/, 'qdisc / netdev TX lock'],
];

function lockType(flags: number): string {
  if (flags & F_MUTEX) return 'mutex';
  if (flags & F_RT) return 'rt-mutex';
  if (flags & F_PERCPU) return 'percpu-rwsem';
  if (flags & F_SPIN) return flags & (F_READ | F_WRITE) ? 'rwlock' : 'spinlock';
  if (flags & (F_READ | F_WRITE)) return 'rwsem';
  return 'lock';
}

function lockName(type: string, caller: string | null, id: string): string {
  if (caller !== null) {
    for (const [re, name] of KNOWN_LOCKS) if (re.test(caller)) return name;
    return `${type} taken in ${caller}`;
  }
  return `${type} ${id}`;
}

export const hotLock: Detector = {
  id: 'hot-lock',
  summary: 'one kernel lock with concentrated contention',
  needs: 'lock:contention_begin/end events, or profile samples with kernel callchains through spin/slow-path lock functions',
  defaults: { min_events: 50, share_min: 0.3, min_cpu_fraction: 0.002, warning: 0.05, error: 0.25, min_samples: 50, min_sample_share: 0.02, max_locks: 3 },
  settingsDoc: {
    min_events: 'contentions a lock needs before it is reported',
    share_min: "a lock's share of all contention wait needed to call it hot",
    min_cpu_fraction: 'wait time / (duration × CPUs) below which nothing is reported',
    warning: 'wait time / (duration × CPUs) (or spin samples / all samples) for a warning',
    error: 'the same for an error',
    min_samples: 'spin-sample weight a caller needs (profile path)',
    min_sample_share: 'spin samples / all samples below which the profile path reports nothing',
    max_locks: 'most locks reported',
  },
  run(ctx: DetectorContext): DetectorResult {
    const { facts } = ctx;
    if ((facts.kindCounts.lock_wait_begin ?? 0) > 0) return { findings: fromEvents(ctx) };
    if (facts.sampleCount > 0) return { findings: fromSamples(ctx) };
    return { skipped: 'no lock contention events and no profile samples', captureHint: captureHint(HINTS, facts.format) };
  },
};

interface LockAgg {
  id: number;
  events: number;
  waitNs: number;
  waits: number[];
  flags: number;
  perCpu: Map<number, number>;
  waiters: Set<number>;
  callers: Map<string, number>;
  stacks: Map<number, number>;
  first: number;
  last: number;
}

function fromEvents(ctx: DetectorContext): DetectorFinding[] {
  const { model, facts, settings } = ctx;
  const e = model.events;
  const BEGIN = kindCode('lock_wait_begin');
  const END = kindCode('lock_wait_end');
  const DEPTH = 4; // a mutex slow path can contend on its own wait_lock: allow a little nesting
  const ctxs = model.threads.length + Math.max(facts.cpus, 1) + 1;
  const pendLock = new Float64Array(ctxs * DEPTH);
  const pendTs = new Float64Array(ctxs * DEPTH);
  const pendIdx = new Int32Array(ctxs * DEPTH);
  const depth = new Int32Array(ctxs);
  const locks = new Map<number, LockAgg>();
  let unmatched = 0;
  let totalWait = 0;
  for (let i = 0; i < e.kind.length; i++) {
    const k = e.kind[i];
    if (k !== BEGIN && k !== END) continue;
    const c = e.utid[i] >= 0 ? e.utid[i] : model.threads.length + Math.min(Math.max(e.cpu[i], -1) + 1, ctxs - model.threads.length - 1);
    if (k === BEGIN) {
      let d = depth[c];
      if (d === DEPTH) {
        // Runaway begins without ends (lost records): drop the oldest.
        pendLock.copyWithin(c * DEPTH, c * DEPTH + 1, (c + 1) * DEPTH);
        pendTs.copyWithin(c * DEPTH, c * DEPTH + 1, (c + 1) * DEPTH);
        pendIdx.copyWithin(c * DEPTH, c * DEPTH + 1, (c + 1) * DEPTH);
        d--;
        unmatched++;
      }
      pendLock[c * DEPTH + d] = e.a0[i];
      pendTs[c * DEPTH + d] = e.tsNs[i];
      pendIdx[c * DEPTH + d] = i;
      depth[c] = d + 1;
      continue;
    }
    let d = depth[c] - 1;
    while (d >= 0 && pendLock[c * DEPTH + d] !== e.a0[i]) d--;
    if (d < 0) {
      unmatched++;
      continue;
    }
    const b = pendIdx[c * DEPTH + d];
    unmatched += depth[c] - 1 - d;
    depth[c] = d;
    const wait = e.tsNs[i] - pendTs[c * DEPTH + d];
    let agg = locks.get(e.a0[i]);
    if (agg === undefined) {
      agg = { id: e.a0[i], events: 0, waitNs: 0, waits: [], flags: 0, perCpu: new Map(), waiters: new Set(), callers: new Map(), stacks: new Map(), first: e.tsNs[b], last: e.tsNs[i] };
      locks.set(e.a0[i], agg);
    }
    agg.events++;
    agg.waitNs += wait;
    agg.waits.push(wait);
    if (Number.isFinite(e.a1[b])) agg.flags |= e.a1[b];
    agg.perCpu.set(e.cpu[b], (agg.perCpu.get(e.cpu[b]) ?? 0) + 1);
    if (e.utid[b] >= 0) agg.waiters.add(e.utid[b]);
    if (e.stack[b] >= 0) agg.stacks.set(e.stack[b], (agg.stacks.get(e.stack[b]) ?? 0) + wait);
    agg.last = e.tsNs[i];
    totalWait += wait;
  }
  const capacity = facts.durationNs * Math.max(facts.cpus, 1);
  const ranked = [...locks.values()].sort((a, b) => b.waitNs - a.waitNs || a.id - b.id);
  const out: DetectorFinding[] = [];
  for (const agg of ranked.slice(0, Math.max(1, settings.max_locks))) {
    const sh = totalWait > 0 ? agg.waitNs / totalWait : 0;
    const cpuFrac = capacity > 0 ? agg.waitNs / capacity : 0;
    if (agg.events < settings.min_events || sh < settings.share_min || cpuFrac < settings.min_cpu_fraction) continue;
    // Name the lock by who takes it, weighted by wait time.
    const callerWait = new Map<string, number>();
    for (const [st, w] of agg.stacks) {
      const caller = lockCaller(model, st);
      if (caller !== null) callerWait.set(caller, (callerWait.get(caller) ?? 0) + w);
    }
    const topCallers = topEntries(callerWait, 5);
    const idText = Number.isInteger(agg.id) && agg.id >= 0 && agg.id < model.strings.length ? model.str(agg.id) : String(agg.id);
    const type = lockType(agg.flags);
    const name = lockName(type, topCallers[0]?.[0] ?? null, idText);
    const p99 = percentile(agg.waits, 99);
    out.push({
      severity: severityFor(cpuFrac, settings.warning, settings.error),
      title: `hot lock: ${name} — ${(sh * 100).toFixed(1)}% of all lock wait`,
      message: `${agg.events} contentions by ${agg.waiters.size} threads waited ${(agg.waitNs / 1e6).toFixed(2)} ms in total (p99 ${(p99 / 1e3).toFixed(1)} µs), ${(cpuFrac * 100).toFixed(1)}% of the trace's CPU time; lock ${idText} (${type}).`,
      metrics: {
        lock: name,
        lock_id: idText,
        lock_type: type,
        share: share(sh),
        wait_ns_total: ns(agg.waitNs),
        events: agg.events,
        waiters: agg.waiters.size,
        p99_wait_ns: ns(p99),
        max_wait_ns: ns(percentile(agg.waits, 100)),
        cpu_time_fraction: share(cpuFrac),
        rate_per_s: perSecond(agg.events, facts.durationNs),
      },
      evidence: {
        callers: topCallers.map(([caller, w]) => ({ caller, wait_ns: ns(w) })),
        top_stacks: topEntries(agg.stacks, 3).map(([st, w]) => ({ stack: stackText(model, st), wait_ns: ns(w) })),
        per_cpu: [...agg.perCpu.entries()].sort((a, b) => a[0] - b[0]).map(([cpu, n]) => ({ cpu, contentions: n })),
        unmatched_events: unmatched,
        lost_records: facts.lostRecords,
      },
      recommendation: advice(name, topCallers[0]?.[0] ?? null),
      window: window(agg.first, agg.last),
    });
  }
  return out;
}

function advice(name: string, caller: string | null): string {
  if (name.startsWith('mm->mmap_lock')) {
    return 'Threads of one process serialise on mmap_lock: stop mapping/unmapping per request (reuse buffers, a memory pool, MADV_FREE), pre-fault or pre-allocate memory, and use a kernel with per-VMA locks (6.4+) so page faults stop taking mmap_lock.';
  }
  if (name.startsWith('file_lock_context')) {
    return 'Processes serialise on one inode\'s file-lock list: lock less often or over larger ranges, use one lock file per worker (or per shard), or replace fcntl/flock locking with a lock-free hand-off (a queue, an atomic in shared memory).';
  }
  return `Reduce contention on ${name}${caller !== null ? ` (taken in ${caller})` : ''}: split it per CPU/queue/object, shorten the critical section, or batch the work done under it; perf lock contention -b or the callers above show who holds it.`;
}

/** Profile path: samples in spin / sleeping-lock slow paths, grouped by the function that took the lock. */
function fromSamples(ctx: DetectorContext): DetectorFinding[] {
  const { model, facts, settings } = ctx;
  const bits = classifyFrames(model, [(f) => SPIN_FUNC.test(baseName(f)) || SLEEPING_LOCK_SLOWPATH.test(baseName(f)), (f) => isGrantTableFunc(f), (_f, m) => isHypervisorImage(m)]);
  const { leaf, self, nested } = stackBits(model, bits, { 0: 1 });
  const s = model.samples;
  // Flat profile with grant-table samples: gnttab-lock owns the hypervisor's spin symbols.
  let flatGrant = false;
  if (facts.samplesWithCallchain === 0) for (let i = 0; i < s.tsNs.length && !flatGrant; i++) flatGrant = s.stack[i] >= 0 && (self[s.stack[i]] & 2) !== 0;
  const byCaller = new Map<string, number>();
  const stacksOf = new Map<string, Map<number, number>>();
  const callerOf = new Map<number, string>();
  let spin = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < s.tsNs.length; i++) {
    if (!countsSample(model, facts, i)) continue;
    const st = s.stack[i];
    if (st < 0 || (self[st] & 1) === 0 || (nested[st] & 1) !== 0) continue;
    if (flatGrant && (leaf[st] & 5) === 5) continue;
    const w = s.weight[i];
    spin += w;
    let caller = callerOf.get(st);
    if (caller === undefined) {
      const frame = model.stacks.frame[st];
      caller = lockCaller(model, st) ?? `${model.str(model.frames.func[frame])} (${model.str(model.frames.module[frame])})`;
      callerOf.set(st, caller);
    }
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + w);
    let m = stacksOf.get(caller);
    if (m === undefined) stacksOf.set(caller, (m = new Map()));
    m.set(st, (m.get(st) ?? 0) + w);
    if (s.tsNs[i] < first) first = s.tsNs[i];
    if (s.tsNs[i] > last) last = s.tsNs[i];
  }
  const total = facts.sampleWeight;
  if (spin === 0 || total === 0 || spin / total < settings.min_sample_share) return [];
  const out: DetectorFinding[] = [];
  for (const [caller, w] of topEntries(byCaller, Math.max(1, settings.max_locks))) {
    const sh = w / spin;
    if (w < settings.min_samples || sh < settings.share_min) continue;
    const ofAll = w / total;
    const name = lockName('lock', caller.includes(' (') ? null : caller, caller);
    const waitNs = facts.durationNs > 0 ? ofAll * facts.durationNs * Math.max(facts.cpus, 1) : null;
    out.push({
      severity: severityFor(ofAll, settings.warning, settings.error),
      title: `hot lock: ${name} — ${(ofAll * 100).toFixed(1)}% of all samples spin or wait on it`,
      message: `${w} of ${total} samples are in lock slow paths under ${caller} (${(sh * 100).toFixed(1)}% of all lock-spin samples).`,
      metrics: {
        lock: name,
        lock_id: caller,
        lock_type: 'lock',
        share: share(sh),
        wait_ns_total: waitNs === null ? null : ns(waitNs),
        events: w,
        spin_share_of_samples: share(ofAll),
      },
      evidence: { top_stacks: topEntries(stacksOf.get(caller) as Map<number, number>, 3).map(([st, n]) => ({ stack: stackText(model, st), samples: n })), estimated: 'wait_ns_total = sample share × duration × CPUs' },
      recommendation: advice(name, caller),
      window: window(first, last),
    });
  }
  return out;
}

