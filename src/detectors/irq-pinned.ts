import { kindTable } from '../model/schema.js';
import { EVTCHN_UPCALL, baseName, classifyFrames, stackBits } from './frames.js';
import type { Detector, DetectorContext, DetectorFinding, DetectorResult } from './contract.js';
import { gather, indexedRows } from './rows.js';
import { countsSample, kindCode } from './trace-facts.js';
import { captureHint, perSecond, share, severityFor, window } from './util.js';

/**
 * irq-pinned (DESIGN §5): a device's IRQs handled almost entirely on one CPU. IRQs are judged
 * per device (`deviceOf`): a multi-queue device whose queue vectors each sit on their own CPU is
 * the healthy spread layout and is not reported, however "pinned" each vector is. A single MSI
 * vector always lands on one CPU at a time, so a one-IRQ device on one CPU is only `info`; it
 * becomes a warning when several queues of one device share the CPU (multi-queue defeated) or
 * when that CPU is busy in interrupt work while another CPU is not.
 * Signals: irq_entry/irq_exit (perf, ftrace, xentrace HW IRQ / injected vIRQ — keyed by vCPU
 * when the record names one), else profile samples in event-channel upcall / do_IRQ code.
 */
const HINTS = {
  'perf-script': 'perf record -a -e irq:irq_handler_entry,irq:irq_handler_exit,irq:softirq_entry,irq:softirq_exit -- sleep 10',
  ftrace: 'trace-cmd record -e irq:irq_handler_entry -e irq:irq_handler_exit -e irq:softirq_entry -e irq:softirq_exit sleep 10',
  xentrace: 'xentrace -D -e 0x00802000 -T 10 irq.xentrace   # TRC_HW_IRQ class (add 0x0008f000 for HVM vIRQ injection)',
  xenoprof: 'opcontrol --separate=cpu … ; opreport -l --separate=cpu   # per-CPU columns show where do_IRQ/evtchn_* run',
};

/** Per-CPU IRQs exist once per CPU by design (Xen timer/IPI virqs, local APIC vectors). */
const PER_CPU_NAME = /^(?:timer|resched|callfunc|callfuncsingle|spinlock|debug|irqwork|xen-pvclock|xenpmu)\d+$/;

interface Source {
  key: number;
  irq: number;
  name: string;
  /** Guest domain when the records name the vCPU they hit (xentrace vIRQ injection), else -1: keyed by CPU. */
  domain: number;
  perCpu: number[];
  total: number;
  first: number;
  last: number;
}

export const irqPinned: Detector = {
  id: 'irq-pinned',
  summary: 'one IRQ source (or all IRQs of a device) handled on one CPU while others have capacity',
  needs: 'irq_handler_entry events (or xentrace HW IRQ / vIRQ records), or profile samples in interrupt/upcall code split per CPU',
  defaults: { share_min: 0.9, min_events: 20, min_samples: 50, busy_warning: 0.25, busy_error: 0.6, device_rate_warning: 1000 },
  settingsDoc: {
    share_min: 'fraction of a source handled on its top CPU to call it pinned',
    min_events: 'IRQs a source needs before it is judged',
    min_samples: 'sample weight in upcall code needed for the profile-only fallback',
    busy_warning: 'interrupt+softirq time share of the pinned CPU that makes it a warning (when another CPU has half that or less)',
    busy_error: 'the same, for an error',
    device_rate_warning: 'IRQs/s at which several queues of one device pinned to one CPU become a warning',
  },
  run(ctx: DetectorContext): DetectorResult {
    const { facts } = ctx;
    if ((facts.kindCounts.irq_entry ?? 0) > 0) return { findings: fromEvents(ctx) };
    if (facts.sampleCount > 0) {
      const found = fromSamples(ctx);
      if (found !== null) return { findings: found };
    }
    return {
      skipped: 'no IRQ handler events, and no profile samples in interrupt or event-channel upcall code with a CPU',
      captureHint: captureHint(HINTS, facts.format),
    };
  },
};

const WANTED = ['irq_entry', 'irq_exit', 'softirq_entry', 'softirq_exit'] as const;

function fromEvents(ctx: DetectorContext): DetectorFinding[] {
  const { model, facts } = ctx;
  const e = model.events;
  const ENTRY = kindCode('irq_entry');
  const EXIT = kindCode('irq_exit');
  const SOFT_IN = kindCode('softirq_entry');
  const slots = Math.max(facts.cpus, 1);
  const sources = new Map<number, Source>();
  // Interrupt time per CPU: hardirq handlers and softirqs, from entry/exit pairs on that CPU.
  let hardNs = new Float64Array(slots);
  let softNs = new Float64Array(slots);
  let hardIn = new Float64Array(slots).fill(NaN);
  let softIn = new Float64Array(slots).fill(NaN);
  const grow = (n: number) => {
    const g = (a: Float64Array, fill: number) => {
      const b = new Float64Array(n).fill(fill);
      b.set(a);
      return b;
    };
    hardNs = g(hardNs, 0);
    softNs = g(softNs, 0);
    hardIn = g(hardIn, NaN);
    softIn = g(softIn, NaN);
  };
  const indexed = indexedRows(model, WANTED);
  const rows = indexed?.rows ?? null;
  const want = kindTable(WANTED);
  const smiSources = new Map<number, Source>(); // small (domain, irq) pairs by a small-integer key: a fast Map lookup
  const n = rows !== null ? rows.length : e.kind.length;
  // Row j's wide values (time, a0, a1) gathered at the index's rows (a read per row of a wide
  // column misses the cache); or the columns themselves. Narrow columns are read by row.
  const ts = indexed?.tsNs ?? e.tsNs;
  const a0 = indexed?.a0 ?? e.a0;
  const a1 = gather(e.a1, rows);
  const { kind, cpu: cpus, domain: doms, vcpu: vcpus, str0 } = e;
  for (let j = 0; j < n; j++) {
    const i = rows !== null ? rows[j] : j;
    const k = kind[i];
    if (want[k] === 0) continue;
    const cpu = cpus[i];
    if (cpu < 0) continue;
    if (cpu >= hardNs.length) grow(cpu + 1);
    const t = ts[j];
    if (k === ENTRY) {
      hardIn[cpu] = t;
      // Records that name a guest vCPU (xentrace vIRQ injection) are pinned per vCPU, not pCPU.
      const domain = doms[i] >= 0 && vcpus[i] >= 0 ? doms[i] : -1;
      const where = domain >= 0 ? vcpus[i] : cpu;
      // xentrace HW_IRQ_HANDLED rows carry the handler time (a1 ns) instead of an exit row.
      if (!(a1[j] !== a1[j]) && domain < 0) hardNs[cpu] += a1[j];
      const irq = a0[j];
      const small = irq >= 0 && irq < 0x10000 && irq === Math.floor(irq) && domain < 0x3fff;
      let s = small ? smiSources.get((domain + 1) * 0x10000 + irq) : undefined;
      if (s === undefined) {
        const key = (domain + 1) * 2 ** 32 + (Number.isFinite(irq) ? irq : 2 ** 31 + str0[i]);
        s = sources.get(key);
        if (s === undefined) {
          const name = str0[i] >= 0 ? model.str(str0[i]) : '';
          s = { key, irq, name: name || (Number.isFinite(irq) ? `irq ${irq}` : 'irq ?'), domain, perCpu: [], total: 0, first: t, last: t };
          sources.set(key, s);
        }
        if (small) smiSources.set((domain + 1) * 0x10000 + irq, s);
      }
      s.perCpu[where] = (s.perCpu[where] ?? 0) + 1;
      s.total++;
      s.last = t;
    } else if (k === EXIT) {
      if (hardIn[cpu] === hardIn[cpu]) hardNs[cpu] += t - hardIn[cpu];
      hardIn[cpu] = NaN;
    } else if (k === SOFT_IN) {
      softIn[cpu] = t;
    } else {
      if (softIn[cpu] === softIn[cpu]) softNs[cpu] += t - softIn[cpu];
      softIn[cpu] = NaN;
    }
  }
  // Without exit/softirq events the interrupt time is unknown, not zero.
  let timedIrqs = (facts.kindCounts.irq_exit ?? 0) + (facts.kindCounts.softirq_exit ?? 0) > 0;
  for (let c = 0; c < hardNs.length && !timedIrqs; c++) timedIrqs = hardNs[c] > 0;
  const duration = timedIrqs ? facts.durationNs : 0;
  const busy = (cpu: number) => (duration <= 0 ? NaN : cpu < hardNs.length ? (hardNs[cpu] + softNs[cpu]) / duration : 0);
  const candidates = [...sources.values()].filter((s) => !PER_CPU_NAME.test(s.name)).sort((a, b) => a.key - b.key);

  // A device's IRQs (`eth0-q0-rx`, `eth0-q1-tx` … → `eth0`) are judged together: each queue vector on
  // its own CPU is the healthy spread layout, so only the device as a whole can be "pinned".
  const devices = new Map<string, Source[]>();
  for (const s of candidates) {
    const dev = `${s.domain}/${deviceOf(s.name)}`;
    devices.set(dev, [...(devices.get(dev) ?? []), s]);
  }
  const findings: { f: DetectorFinding; rank: number }[] = [];
  for (const dev of [...devices.keys()].sort()) {
    const members = devices.get(dev) as Source[];
    const agg = members.length > 1 ? aggregate(dev.slice(dev.indexOf('/') + 1), members) : members[0];
    const f = judge(ctx, agg, members, busy, hardNs, softNs);
    if (f !== null) findings.push({ f, rank: agg.total });
  }
  return findings.sort((a, b) => b.rank - a.rank).map((x) => x.f);
}

/**
 * The device an IRQ serves: the name before a queue suffix — `vif1.0-q3-tx`, `eth0-q0-rx` (`-qN`),
 * `virtio1-req.0`, `virtio0-input.0`, `eth0-TxRx-3`, `vif1.0-tx`. Other names are their own device.
 */
export function deviceOf(name: string): string {
  const q = /^(.+?)-q\d+(?:-.*)?$/.exec(name);
  if (q !== null) return q[1];
  const m = /^(.+?)-(?:tx|rx|txrx|req|input|output|fp|comp)(?:[-.]?\d+)?$/i.exec(name);
  return m !== null ? m[1] : name;
}

function aggregate(name: string, members: Source[]): Source {
  const perCpu: number[] = [];
  for (const m of members) m.perCpu.forEach((n, c) => (perCpu[c] = (perCpu[c] ?? 0) + (n ?? 0)));
  return {
    key: -1,
    irq: NaN,
    name,
    domain: members[0].domain,
    perCpu,
    total: members.reduce((n, m) => n + m.total, 0),
    first: Math.min(...members.map((m) => m.first)),
    last: Math.max(...members.map((m) => m.last)),
  };
}

function topCpu(perCpu: number[]): number {
  let best = -1;
  perCpu.forEach((n, c) => {
    if (n !== undefined && (best < 0 || n > perCpu[best])) best = c;
  });
  return best;
}

function judge(
  ctx: DetectorContext,
  s: Source,
  members: Source[],
  busy: (cpu: number) => number,
  hardNs: Float64Array,
  softNs: Float64Array,
): DetectorFinding | null {
  const { facts, settings } = ctx;
  if (s.total < settings.min_events || facts.cpus < 2) return null;
  const cpu = topCpu(s.perCpu);
  const sh = s.perCpu[cpu] / s.total;
  if (sh < settings.share_min) return null;
  const rate = perSecond(s.total, facts.durationNs);
  const timed = !Number.isNaN(busy(cpu));
  const noLoad = s.domain >= 0 || !timed; // vCPU-keyed records or no exit events: no per-CPU interrupt time
  const load = noLoad ? 0 : busy(cpu);
  let others = Infinity;
  for (let c = 0; c < facts.cpus; c++) if (c !== cpu) others = Math.min(others, noLoad ? 0 : busy(c));
  const imbalanced = others <= load / 2;
  let severity = imbalanced ? severityFor(load, settings.busy_warning, settings.busy_error) : 'info';
  const multiQueue = members.length > 1;
  if (multiQueue && severity === 'info' && (rate ?? Infinity) >= settings.device_rate_warning) severity = 'warning';
  const where = `${s.domain >= 0 ? `d${s.domain} vCPU` : 'CPU'} ${cpu}`;
  const label = multiQueue ? `${s.name} (${members.length} IRQs: ${members.map((m) => m.name).join(', ')})` : s.name;
  const pinnedTo0 = cpu === 0 ? ` (pinned to ${s.domain >= 0 ? 'vCPU0' : 'CPU 0'})` : '';
  const irqList = members.filter((m) => Number.isFinite(m.irq)).map((m) => m.irq);
  return {
    severity,
    title: `${multiQueue ? `all ${members.length} IRQs of ${s.name}` : `IRQ ${s.name}`} handled on ${where}${pinnedTo0}`,
    message:
      `${(sh * 100).toFixed(1)}% of ${s.total} interrupts of ${label} ran on ${where}` +
      (rate !== null ? ` (${rate.toFixed(0)}/s)` : '') +
      (noLoad ? ' (no handler exit times in this trace to weigh the load).' : `; that CPU spent ${(load * 100).toFixed(1)}% of the time in hard/soft IRQ work, the least busy other CPU ${(others * 100).toFixed(1)}%.`),
    metrics: {
      irq: s.name,
      irq_number: members.length === 1 && Number.isFinite(s.irq) ? s.irq : null,
      cpu,
      share: share(sh),
      rate_per_s: rate,
      events: s.total,
      handler_share: noLoad || facts.durationNs <= 0 ? null : share(hardNs[cpu] / facts.durationNs),
      irq_load_share: noLoad || facts.durationNs <= 0 ? null : share(load),
    },
    evidence: {
      per_cpu: s.perCpu
        .map((n, c) => ({ cpu: c, irqs: n ?? 0, share: share((n ?? 0) / s.total), hardirq_ns: noLoad ? null : Math.round(hardNs[c] ?? 0), softirq_ns: noLoad ? null : Math.round(softNs[c] ?? 0) }))
        .filter((r) => r.irqs > 0),
      members: members.map((m) => ({ irq: Number.isFinite(m.irq) ? m.irq : null, name: m.name, events: m.total, top_cpu: topCpu(m.perCpu) })),
      lost_records: facts.lostRecords,
    },
    recommendation: advice(irqList, cpu, multiQueue, s.name),
    window: window(s.first, s.last),
  };
}

function advice(irqs: number[], cpu: number, multiQueue: boolean, name: string): string {
  const n = irqs[0] ?? 'N';
  const spread = multiQueue
    ? `Give each queue IRQ of ${name} its own CPU (irqbalance, or /proc/irq/<N>/smp_affinity_list per IRQ: ${irqs.map((q, i) => `${q}→${i}`).join(', ') || 'one CPU each'})`
    : `Move or spread IRQ ${n} (irqbalance, or echo <cpus> > /proc/irq/${n}/smp_affinity_list — away from CPU ${cpu} if it is the busy one)`;
  return `${spread}; for network devices also use several queues (ethtool -L <dev> combined <ncpus>; xen-netfront max_queues) and RPS/RFS (/sys/class/net/<dev>/queues/rx-*/rps_cpus) so protocol work leaves the interrupted CPU. On Xen, event-channel IRQs follow the same smp_affinity files inside the guest.`;
}

/** Profile-only traces: samples in upcall / do_IRQ code, per CPU (needs per-CPU samples). */
function fromSamples(ctx: DetectorContext): DetectorFinding[] | null {
  const { model, facts, settings } = ctx;
  const bits = classifyFrames(model, [(f) => EVTCHN_UPCALL.test(baseName(f)) || baseName(f) === 'do_IRQ']);
  const { self } = stackBits(model, bits);
  const s = model.samples;
  const perCpu: number[] = [];
  const cpuTotal: number[] = [];
  let total = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < s.tsNs.length; i++) {
    if (!countsSample(model, facts, i)) continue;
    const cpu = s.cpu[i];
    if (cpu < 0) continue;
    cpuTotal[cpu] = (cpuTotal[cpu] ?? 0) + s.weight[i];
    const st = s.stack[i];
    if (st < 0 || self[st] === 0) continue;
    perCpu[cpu] = (perCpu[cpu] ?? 0) + s.weight[i];
    total += s.weight[i];
    if (s.tsNs[i] < first) first = s.tsNs[i];
    if (s.tsNs[i] > last) last = s.tsNs[i];
  }
  if (total === 0) return null;
  if (total < settings.min_samples || facts.cpus < 2) return [];
  const cpu = topCpu(perCpu);
  const sh = perCpu[cpu] / total;
  if (sh < settings.share_min) return [];
  const load = perCpu[cpu] / (cpuTotal[cpu] ?? 1);
  return [
    {
      severity: severityFor(load, settings.busy_warning, settings.busy_error),
      title: `interrupt / event-channel upcall work concentrated on CPU ${cpu}${cpu === 0 ? ' (pinned to vCPU0)' : ''}`,
      message: `${(sh * 100).toFixed(1)}% of the profile samples in upcall/do_IRQ code are on CPU ${cpu}; that is ${(load * 100).toFixed(1)}% of that CPU's samples (from a profile: a share of samples, not an IRQ count).`,
      metrics: { irq: 'event-channel upcall', irq_number: null, cpu, share: share(sh), rate_per_s: null, events: total, handler_share: share(load), irq_load_share: share(load) },
      evidence: { per_cpu: perCpu.map((n, c) => ({ cpu: c, samples: n ?? 0, share: share((n ?? 0) / total) })).filter((r) => r.samples > 0) },
      recommendation: advice([], cpu, false, 'the event channel'),
      window: window(first, last),
    },
  ];
}

