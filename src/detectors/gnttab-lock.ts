import { kindTable } from '../model/schema.js';
import { SPIN_FUNC, baseName, classifyFrames, isGrantTableFunc, isHypervisorImage, stackBits } from './frames.js';
import type { Detector, DetectorContext, DetectorFinding, DetectorResult } from './contract.js';
import { indexedRows } from './rows.js';
import { countsSample, kindCode, traceFacts } from './trace-facts.js';
import type { TraceModel } from '../model/trace-model.js';
import { overlapFraction, timeOps } from './op-timing.js';
import { captureHint, perSecond, ratio, share, severityFor, stackText, topEntries, window } from './util.js';

/**
 * gnttab-lock (DESIGN §5): grant copies serialised behind the per-domain grant-table lock.
 *   spin_share   = weight of samples spinning on a lock with a grant-table frame among the
 *                  spin frame's callers / all samples (flat profiles: spin symbols in the
 *                  hypervisor image / all samples, reported only beside hot grant-table symbols);
 *   gnttab_share = weight of samples with any grant-table frame / all samples.
 * xentrace has no samples and no lock events: time in a grant_table_op hypercall is the gap
 * to the next record on that pCPU, the uncontended cost per item is the lowest cluster of
 * time/count (`uncontendedPerItem`), and the excess is counted as lock wait; shares are of
 * duration × pCPUs.
 */
const HINTS = {
  'perf-script': 'perf record -a -g -F 999 -- sleep 10   # in dom0 / the driver domain, while the guests push traffic',
  ftrace: 'ftrace has no profile samples: use perf record -a -g in dom0, or xentrace -e 0x0020f000 for grant_table_op hypercalls',
  xentrace: 'xentrace -D -e 0x0020f000,0x0010f000 -T 10 gnt.xentrace   # PV hypercalls (op 20 grant_table_op) and grant map/unmap',
  xenoprof: 'opcontrol --start --xen=/boot/xen-syms-$(xl info xen_version) --active-domains=0 … ; opreport -l -c   # hypervisor symbols with callers',
};

export const gnttabLock: Detector = {
  id: 'gnttab-lock',
  summary: 'grant copies serialised on the grant-table lock (spinning under grant-table code)',
  needs: 'profile samples with grant-table frames (perf -g in dom0, opreport with a xen-syms image), or xentrace grant_table_op hypercall records',
  defaults: { warning: 0.05, error: 0.2, min_spin_share: 0.01, min_gnttab_share: 0.01, min_samples: 50, min_ops: 50 },
  settingsDoc: {
    warning: 'spin_share for a warning',
    error: 'spin_share for an error',
    min_spin_share: 'spin_share below which nothing is reported',
    min_gnttab_share: 'gnttab_share below which nothing is reported',
    min_samples: 'sample weight needed for the profile path',
    min_ops: 'grant_table_op hypercalls needed for the xentrace path',
  },
  run(ctx: DetectorContext): DetectorResult {
    const { facts } = ctx;
    const fromSamples = facts.sampleCount > 0 ? samplesPath(ctx) : null;
    if (fromSamples !== null) return { findings: fromSamples };
    const fromOps = hypercallPath(ctx);
    if (fromOps !== null) return { findings: fromOps };
    return {
      skipped: facts.sampleCount > 0 ? 'no grant-table frames in the profile (not a Xen dom0 / driver-domain or hypervisor profile?)' : 'no profile samples and no grant_table_op hypercall records',
      captureHint: captureHint(HINTS, facts.format),
    };
  },
};

function samplesPath(ctx: DetectorContext): DetectorFinding[] | null {
  const { model, facts, settings } = ctx;
  const bits = classifyFrames(model, [(f) => SPIN_FUNC.test(baseName(f)), (f) => isGrantTableFunc(f), (_f, m) => isHypervisorImage(m)]);
  const { leaf, self, nested } = stackBits(model, bits, { 0: 1 });
  const s = model.samples;
  let total = 0, gnt = 0, spin = 0, flatSpinXen = 0;
  const spinStacks = new Map<number, number>();
  const perCpu = new Map<number, number>();
  let first = Infinity, last = -Infinity;
  for (let i = 0; i < s.tsNs.length; i++) {
    if (!countsSample(model, facts, i)) continue;
    const w = s.weight[i];
    total += w;
    const st = s.stack[i];
    if (st < 0) continue;
    if ((self[st] & 2) !== 0) gnt += w;
    if ((nested[st] & 1) !== 0) {
      spin += w;
      spinStacks.set(st, (spinStacks.get(st) ?? 0) + w);
      perCpu.set(s.cpu[i], (perCpu.get(s.cpu[i]) ?? 0) + w);
      if (s.tsNs[i] < first) first = s.tsNs[i];
      if (s.tsNs[i] > last) last = s.tsNs[i];
    } else if ((leaf[st] & 5) === 5 && model.stacks.parent[st] < 0) {
      flatSpinXen += w; // a flat opreport row: hypervisor spin symbol with no caller known
      spinStacks.set(st, (spinStacks.get(st) ?? 0) + w);
    }
  }
  if (gnt === 0) return null;
  const flat = facts.samplesWithCallchain === 0;
  const spinW = flat ? flatSpinXen : spin;
  const spinShare = total > 0 ? spinW / total : 0;
  const gntShare = total > 0 ? gnt / total : 0;
  if (total < settings.min_samples || spinShare < settings.min_spin_share || gntShare < settings.min_gnttab_share) return [];
  const tops = topEntries(spinStacks, 5);
  return [
    {
      severity: severityFor(spinShare, settings.warning, settings.error),
      title: `grant-table lock contention: ${(spinShare * 100).toFixed(1)}% of samples spin ${flat ? 'in the hypervisor beside grant-table work' : 'under grant-table code'}`,
      message:
        `${spinW} of ${total} samples spin on a lock${flat ? ' in the hypervisor image (flat profile: no callers, so this is co-occurrence with' : ' with a grant-table frame above (of'} ${gnt} samples (${(gntShare * 100).toFixed(1)}%) in grant-table code${flat ? ')' : ')'}.`,
      metrics: { spin_share: share(spinShare), gnttab_share: share(gntShare), spin_of_gnttab: share(gnt > 0 ? spinW / gnt : 0), samples: total, source: flat ? 'flat profile' : 'callchains' },
      evidence: {
        top_stacks: tops.map(([st, w]) => ({ stack: stackText(model, st, 10), samples: w, share: share(w / total) })),
        per_cpu: [...perCpu.entries()].sort((a, b) => a[0] - b[0]).map(([cpu, w]) => ({ cpu, spin_samples: w })),
      },
      recommendation: ADVICE,
      window: window(first, last),
    },
  ];
}

const ADVICE =
  'Grant copies from many queues serialise on one domain\'s grant-table lock. Upgrade to a Xen with the per-CPU grant-table rwlock (Xen ≥ 4.7), make copy batches fewer and larger (netback: larger rings, GSO so one copy carries more data), and split traffic over per-queue backends/vifs (several netback queues, or several guests\' vifs) so they do not share one grant table.';

/** xentrace: grant_table_op hypercalls (grant_op kind, or hypercall op 20), timed by the next record on the pCPU. */
function hypercallPath(ctx: DetectorContext): DetectorFinding[] | null {
  const { model, facts, settings } = ctx;
  const e = model.events;
  // grant_table_op hypercalls (xentrace PV_HYPERCALL_V2: a0 = 20, a1 = cmd, a2 = count) when the trace
  // has them; otherwise grant_op rows (a1 = count when the format gives one). xentrace's grant_op rows
  // are MEM map/unmap records written inside the hypercall, so they never end one.
  const calls = (facts.kindCounts.hypercall ?? 0) > 0 ? grantCalls(model, 'hypercall', true) : { rows: new Int32Array(0), ts: null };
  const useHypercalls = calls.rows.length > 0;
  if (!useHypercalls && (facts.kindCounts.grant_op ?? 0) === 0) return null;
  const found = useHypercalls ? calls : grantCalls(model, 'grant_op', false);
  const opRows = found.rows;
  const timed = timeOps(model, opRows, useHypercalls ? e.a2 : e.a1, useHypercalls ? kindCode('grant_op') : -1, found.ts);
  const { starts, durs, counts } = timed;
  const ops = timed.opened;
  const doms = opsByDomain(model, opRows);
  if (ops === 0) return null;
  if (ops < settings.min_ops || facts.durationNs <= 0) return [];
  const perItem = new Float64Array(durs.length);
  for (let j = 0; j < durs.length; j++) perItem[j] = durs[j] / (counts[j] > 0 ? counts[j] : 1);
  const service = uncontendedPerItem(perItem);
  let busy = 0, wait = 0, items = 0;
  for (let j = 0; j < durs.length; j++) {
    const n = counts[j] > 0 ? counts[j] : 1;
    items += n;
    busy += durs[j];
    wait += Math.max(0, durs[j] - n * service);
  }
  const capacity = facts.durationNs * Math.max(facts.cpus, 1);
  const spinShare = wait / capacity;
  const gntShare = busy / capacity;
  const concurrent = overlapFraction(starts, durs);
  if (spinShare < settings.min_spin_share || gntShare < settings.min_gnttab_share) return [];
  const rate = perSecond(ops, facts.durationNs);
  return [
    {
      severity: severityFor(spinShare, settings.warning, settings.error),
      title: `grant-table lock contention: grant_table_op calls wait ${(spinShare * 100).toFixed(1)}% of pCPU time`,
      message: `${ops} grant_table_op hypercalls (${rate}/s, ${ratio(items / ops)} items each) took ${(gntShare * 100).toFixed(1)}% of pCPU time; beyond the uncontended ${(service / 1e3).toFixed(2)} µs per item, ${(spinShare * 100).toFixed(1)}% was waiting; ${(concurrent * 100).toFixed(0)}% of that time several pCPUs were in grant ops at once.`,
      metrics: { spin_share: share(spinShare), gnttab_share: share(gntShare), spin_of_gnttab: share(busy > 0 ? wait / busy : 0), ops, rate_per_s: rate, mean_batch: ratio(items / ops), concurrent_fraction: share(concurrent), source: 'hypercalls' },
      evidence: {
        by_calling_domain: [...doms.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([domain, n]) => ({ domain, ops: n })),
        uncontended_ns_per_item: Math.round(service),
        estimated: 'hypercall time = gap to the next record on the pCPU; wait = time beyond count × the per-item time of the fastest (uncontended) calls',
      },
      recommendation: ADVICE,
      window: window(starts[0] ?? NaN, (starts[starts.length - 1] ?? NaN) + (durs[durs.length - 1] ?? 0)),
    },
  ];
}

/** Ops on a known pCPU per calling domain: counted in a typed array by domain (a Map update per op cost 10 ms on 635k ops). */
function opsByDomain(model: TraceModel, opRows: Int32Array): Map<number, number> {
  const { cpu, domain } = model.events;
  const doms = new Map<number, number>();
  const counts = new Float64Array(DOMAINS + 1); // domain + 1 → ops
  for (let j = 0; j < opRows.length; j++) {
    const r = opRows[j];
    if (cpu[r] < 0) continue;
    const d = domain[r] + 1;
    if (d >= 0 && d <= DOMAINS) counts[d]++;
    else doms.set(domain[r], (doms.get(domain[r]) ?? 0) + 1);
  }
  for (let d = 0; d <= DOMAINS; d++) if (counts[d] > 0) doms.set(d - 1, counts[d]);
  return doms;
}

/** Domains counted in a typed array by opsByDomain: -1 .. DOMAINS - 1 (Xen's are below 0x7ff0). */
const DOMAINS = 0x8000;

/**
 * Rows of grant ops, ascending: `kind` rows, only op 20 (grant_table_op) when `op20`; and their
 * times when the row index has them (else null: timeOps reads them).
 */
function grantCalls(model: TraceModel, kind: 'hypercall' | 'grant_op', op20: boolean): { rows: Int32Array; ts: Float64Array | null } {
  const e = model.events;
  const indexed = indexedRows(model, [kind]);
  const out = new Int32Array(traceFacts(model).kindCounts[kind] ?? 0);
  let found = 0;
  if (indexed !== null) {
    // The index holds only `kind` rows; their a0 and times come gathered with them.
    const { rows, a0, tsNs: times } = indexed;
    const ts = new Float64Array(out.length);
    for (let j = 0; j < rows.length; j++) {
      if (op20 && a0[j] !== 20) continue;
      ts[found] = times[j];
      out[found++] = rows[j];
    }
    return { rows: out.subarray(0, found), ts: ts.subarray(0, found) };
  }
  const want = kindTable([kind]);
  for (let i = 0; i < e.kind.length; i++) if (want[e.kind[i]] === 1 && (!op20 || e.a0[i] === 20)) out[found++] = i;
  return { rows: out.subarray(0, found), ts: null };
}

/** A call within this factor of another's per-item time counts as the same cost level. */
const UNCONTENDED_SPREAD = 1.5;
/** Calls the uncontended cluster needs, so that one stray call cannot set the cost. */
const UNCONTENDED_MIN_CALLS = 10;

/**
 * The uncontended cost per item. Calls that waited for nobody take about the same time per item
 * (a page copy each, plus jitter and whatever the kernel does before the next record); a call
 * that waited took at least one lock hold more per item. So they are the lowest cluster of
 * per-item times: the lowest window [v, UNCONTENDED_SPREAD × v] holding UNCONTENDED_MIN_CALLS
 * calls, and its median. A fixed quantile would presume how many calls went uncontended, which
 * runs from under 1% in a saturated run to all of them in a light one.
 */
function uncontendedPerItem(perItem: Float64Array): number {
  const need = Math.min(UNCONTENDED_MIN_CALLS, perItem.length);
  let min = Infinity;
  for (let i = 0; i < perItem.length; i++) if (perItem[i] < min) min = perItem[i];
  // Sort only the low end (a saturated 300 MB xentrace run has 635k calls): the values up to a
  // bound that grows until the cluster found there lies wholly below it, which makes it the same
  // cluster a scan of everything sorted would find.
  if (min > 0 && min < Infinity) {
    for (let bound = min * UNCONTENDED_SPREAD; ; bound *= UNCONTENDED_SPREAD * UNCONTENDED_SPREAD) {
      const low = perItem.filter((v) => v <= bound).sort();
      if (low.length * 2 > perItem.length) break;
      const at = lowestCluster(low, need);
      if (at >= 0 && low[at] * UNCONTENDED_SPREAD <= bound) return clusterMedian(low, at);
    }
  }
  const sorted = Float64Array.from(perItem).sort();
  const at = lowestCluster(sorted, need);
  return at >= 0 ? clusterMedian(sorted, at) : 0;
}

/** Index of the lowest value whose window [v, UNCONTENDED_SPREAD × v] holds `need` values; -1 when none. */
function lowestCluster(sorted: Float64Array, need: number): number {
  for (let lo = 0, hi = 0; lo < sorted.length; lo++) {
    if (hi < lo) hi = lo;
    while (hi + 1 < sorted.length && sorted[hi + 1] <= sorted[lo] * UNCONTENDED_SPREAD) hi++;
    if (hi - lo + 1 >= need) return lo;
  }
  return -1;
}

function clusterMedian(sorted: Float64Array, lo: number): number {
  let hi = lo;
  while (hi + 1 < sorted.length && sorted[hi + 1] <= sorted[lo] * UNCONTENDED_SPREAD) hi++;
  return sorted[(lo + hi) >> 1];
}
