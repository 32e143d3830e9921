import { KIND_CODE } from '../../model/schema.js';
import type { TraceModel } from '../../model/trace-model.js';
import type { SummarySection } from './section.js';
import { int, pct } from './section.js';

/**
 * xentrace inputs: records by trace class, per-pCPU and per-domain/vCPU activity, hypercalls by
 * op (grant_table_op split by cmd), VMEXITs by reason and IRQs by pCPU — what `xenalyze -s`
 * answers first. One typed pass over the events (cached per model: text and JSON share it).
 */
const K = KIND_CODE;
const IDLE = 0x7fff;
/** Text rows for per-pCPU tables; big hosts have hundreds of pCPUs (the JSON keeps them all). */
const MAX_PCPU_ROWS = 32;
const CLASS_NAMES = ['gen', 'sched', 'dom0op', 'hvm', 'mem', 'pv', 'shadow', 'hw', 'guest', 'other'];
const CLS = Object.fromEntries(CLASS_NAMES.map((c, i) => [c, i])) as Record<string, number>;
const HVM_TEXT = /^(n?VM(ENTRY|EXIT)|INJ_VIRQ|REINJ_VIRQ|INTR|VMMCALL|CR_WRITE|INVLPG|[A-Z][A-Z0-9_]+)$/;

interface Counter {
  records: number;
  vmexits: number;
  hypercalls: number;
  irqs: number;
}
const counter = (): Counter => ({ records: 0, vmexits: 0, hypercalls: 0, irqs: 0 });
type Tally = Map<number, number>;
const bump = <K>(m: Map<K, number>, k: K, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

interface XenStats {
  total: number;
  byClass: number[];
  perPcpu: Counter[];
  perVcpu: Map<string, Counter>;
  hypercalls: Map<string, { op: number; count: number; subcalls: number; byCmd: Map<string, number> }>;
  vmexits: Map<number, { name: string; count: number }>;
  irqByPcpu: Map<number, Tally>;
  intrByPcpu: Map<number, Tally>;
  virqByVcpu: Map<string, Tally>;
}

const cache = new WeakMap<TraceModel, XenStats>();

/** Trace class of a record name: its macro prefix (TRC_HVM_…), a scheduler prefix, or else its kind. */
function classOf(model: TraceModel, name: number, kind: number): number {
  const s = model.str(name);
  const m = /^TRC_([A-Z0-9]+)_/.exec(s);
  if (m !== null) return ({ LOST: 0, TRACE: 0, SCHED: 1, DOM0: 2, HVM: 3, MEM: 4, PV: 5, SHADOW: 6, HW: 7, PM: 7 } as Record<string, number>)[m[1]] ?? CLS.other;
  if (s.includes(':')) return CLS.sched;
  if (kind === K.runstate || kind === K.vcpu_switch || kind === K.sched_other) return CLS.sched;
  if (kind === K.grant_op) return CLS.mem;
  if (kind === K.irq_bind || s === 'do_irq') return CLS.hw;
  if (kind === K.lost) return CLS.gen;
  if (kind === K.hypercall || kind === K.syscall_exit || kind === K.pv_trap || kind === K.page_fault || s === 'hypercall') return s === 'VMMCALL' ? CLS.hvm : CLS.pv;
  return HVM_TEXT.test(s) ? CLS.hvm : CLS.other;
}

function collect(model: TraceModel): XenStats {
  const known = cache.get(model);
  if (known !== undefined) return known;
  const e = model.events;
  const n = e.kind.length;
  const st: XenStats = {
    total: n, byClass: new Array(CLASS_NAMES.length).fill(0), perPcpu: [], perVcpu: new Map(), hypercalls: new Map(),
    vmexits: new Map(), irqByPcpu: new Map(), intrByPcpu: new Map(), virqByVcpu: new Map(),
  };
  const nStr = model.strings.length;
  const nameCount = new Float64Array(nStr);
  const nameKind = new Uint8Array(nStr);
  const byIdClass = new Float64Array(CLASS_NAMES.length);
  const id = (s: string) => model.strings.indexOf(s);
  const hcStrings = new Set([id('iret'), id('mmuext_op')].filter((x) => x >= 0));
  const subcall = id('TRC_PV_HYPERCALL_SUBCALL');
  // Hot counters in typed arrays keyed by string id / exit reason; maps are built once at the end.
  const hcCount = new Float64Array(2 * nStr + 1);
  const hcSub = new Float64Array(2 * nStr + 1);
  const hcOp = new Float64Array(2 * nStr + 1).fill(NaN);
  const hcVmm = new Uint8Array(nStr);
  for (let s = 0; s < nStr; s++) if (model.strings[s].includes('VMMCALL')) hcVmm[s] = 1;
  const exits = new Float64Array(256);
  const exitName = new Int32Array(256).fill(-1);
  const bigExits = new Map<number, number>();
  // Per-pCPU and per-vCPU tallies in typed arrays; a vCPU's slot is looked up (by label) only when
  // the vCPU running on a pCPU changes, which is rare next to the rows in between.
  let nCpu = 1;
  for (let i = 0; i < n; i++) if (e.cpu[i] >= nCpu) nCpu = e.cpu[i] + 1;
  const pcRecords = new Float64Array(nCpu);
  const pcExits = new Float64Array(nCpu);
  const pcCalls = new Float64Array(nCpu);
  const pcIrqs = new Float64Array(nCpu);
  const lastKey = new Float64Array(nCpu).fill(NaN);
  const lastSlot = new Int32Array(nCpu);
  const slotOf = new Map<string, number>();
  let vRecords = new Float64Array(64);
  let vExits = new Float64Array(64);
  let vCalls = new Float64Array(64);
  const kinds = e.kind, names = e.name, cpus = e.cpu, a0s = e.a0, doms = e.domain, vcpus = e.vcpu, str0s = e.str0;
  const OTHER = K.other, VMEXIT = K.vmexit, HYPERCALL = K.hypercall, SYSCALL_EXIT = K.syscall_exit, TLB = K.tlb_flush;
  for (let i = 0; i < n; i++) {
    const kind = kinds[i];
    const name = names[i];
    const cpu = cpus[i] < 0 ? 0 : cpus[i];
    // Classes: counted per name (its class is looked up once, after the loop), or per id for `other`.
    if (kind === OTHER && a0s[i] === a0s[i]) byIdClass[ID_CLASS[(a0s[i] >>> 16) & 0xfff]]++;
    else if (nameCount[name]++ === 0) nameKind[name] = kind;
    const key = doms[i] * 65536 + vcpus[i];
    let v = lastSlot[cpu];
    if (lastKey[cpu] !== key) {
      const label = vcpuLabel(doms[i], vcpus[i]);
      let slot = slotOf.get(label);
      if (slot === undefined) {
        slot = slotOf.size;
        slotOf.set(label, slot);
        if (slot === vRecords.length) {
          vRecords = grown(vRecords);
          vExits = grown(vExits);
          vCalls = grown(vCalls);
        }
      }
      v = lastSlot[cpu] = slot;
      lastKey[cpu] = key;
    }
    pcRecords[cpu]++;
    vRecords[v]++;
    if (kind === VMEXIT) {
      const a0 = a0s[i];
      pcExits[cpu]++;
      vExits[v]++;
      if (a0 >= 0 && a0 < 256) {
        exits[a0]++;
        exitName[a0] = str0s[i];
      } else bump(bigExits, a0);
    } else if (kind === HYPERCALL || ((kind === SYSCALL_EXIT || kind === TLB) && hcStrings.has(str0s[i]))) {
      pcCalls[cpu]++;
      vCalls[v]++;
      const k = str0s[i] + 1 + (hcVmm[name] ? nStr : 0);
      hcCount[k]++;
      if (name === subcall) hcSub[k]++;
      if (hcOp[k] !== hcOp[k]) hcOp[k] = kind === SYSCALL_EXIT ? 23 : kind === TLB ? 26 : a0s[i];
    } else if (kind === K.irq_entry) {
      if (doms[i] === IDLE && vcpus[i] < 0) {
        pcIrqs[cpu]++;
        bump(st.irqByPcpu.get(cpu) ?? st.irqByPcpu.set(cpu, new Map()).get(cpu)!, a0s[i]);
      } else {
        const label = vcpuLabel(doms[i], vcpus[i]);
        bump(st.virqByVcpu.get(label) ?? st.virqByVcpu.set(label, new Map()).get(label)!, a0s[i]);
      }
    } else if (kind === K.irq_vector_entry) {
      bump(st.intrByPcpu.get(cpu) ?? st.intrByPcpu.set(cpu, new Map()).get(cpu)!, a0s[i]);
    }
  }
  for (let c = 0; c < CLASS_NAMES.length; c++) st.byClass[c] += byIdClass[c];
  for (let s = 0; s < nStr; s++) if (nameCount[s] > 0) st.byClass[classOf(model, s, nameKind[s])] += nameCount[s];
  for (let p = 0; p < nCpu; p++) {
    if (pcRecords[p] > 0) st.perPcpu[p] = { records: pcRecords[p], vmexits: pcExits[p], hypercalls: pcCalls[p], irqs: pcIrqs[p] };
  }
  for (const [label, slot] of slotOf) st.perVcpu.set(label, { records: vRecords[slot], vmexits: vExits[slot], hypercalls: vCalls[slot], irqs: 0 });
  for (let k = 0; k < hcCount.length; k++) {
    if (hcCount[k] === 0) continue;
    const vmm = k > nStr;
    const text = model.str(k - 1 - (vmm ? nStr : 0)) || `op ${hcOp[k]}`;
    const [base, cmd] = text.split(':');
    const label = vmm ? `${base} (HVM VMMCALL)` : base;
    const h = st.hypercalls.get(label) ?? { op: hcOp[k], count: 0, subcalls: 0, byCmd: new Map() };
    h.count += hcCount[k];
    h.subcalls += hcSub[k];
    if (cmd !== undefined) bump(h.byCmd, cmd, hcCount[k]);
    st.hypercalls.set(label, h);
  }
  const named = new Map<number, { name: string; count: number }>();
  for (let r = 0; r < 256; r++) if (exits[r] > 0) named.set(r, { name: model.str(exitName[r]) || `reason ${r}`, count: exits[r] });
  for (const [r, c] of bigExits) named.set(r, { name: `reason ${r}`, count: c });
  st.vmexits = named;
  cache.set(model, st);
  return st;
}

/** Class of a 28-bit event id: bits 16..27 hold exactly one class bit (FORMATS.md §3.6). */
const ID_CLASS = new Uint8Array(4096).fill(CLASS_NAMES.indexOf('other'));
[1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80, 0x800].forEach((bit, i) => (ID_CLASS[bit] = i));

function vcpuLabel(dom: number, vcpu: number): string {
  if (dom === IDLE) return vcpu < 0 ? 'xen' : `idle v${vcpu}`;
  return `d${dom < 0 ? '?' : dom}v${vcpu < 0 ? '?' : vcpu}`;
}

const byCount = <T extends { count: number }>(a: [string | number, T], b: [string | number, T]) =>
  b[1].count - a[1].count || String(a[0]).localeCompare(String(b[0]));
const tallyText = (t: Tally, fmt: (k: number) => string, max = 4) =>
  [...t].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, max).map(([k, c]) => `${fmt(k)} ×${int(c)}`).join(', ');
const hex = (v: number) => (v === v ? `0x${v.toString(16)}` : '?');

export const xenSection: SummarySection = {
  id: 'xen',
  applies: (model) => model.meta.format === 'xentrace' && model.eventCount > 0,
  text(model) {
    const s = collect(model);
    const h = model.meta.header;
    const hz = model.meta.cpuHz;
    const clock = hz === null ? 'times in seconds' : `TSC ${hz / 1e9} GHz${(h['cpu hz'] ?? '').includes('assumed') ? ' (assumed: pass --cpu-hz)' : ''}`;
    const out = [`Xen: ${h.layout ?? 'xentrace'} · ${clock}${h.windows ? ` · ${h.windows} windows` : ''}${h['wrap padding records'] ? ` · ${h['wrap padding records']} wrap-buffer padding records skipped` : ''}${h['lost records'] && h['lost records'] !== '0' ? ` · ${h['lost records']} records LOST` : ''}`];
    out.push(`  records by class   ${CLASS_NAMES.map((c, i) => [c, s.byClass[i]] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([c, v]) => `${c} ${int(v)}`).join(' · ')}`);
    out.push('  per pCPU           records   vmexits  hypercalls  irqs');
    const pcpus = s.perPcpu.flatMap((c, p) => (c ? [[p, c] as const] : []));
    for (const [p, c] of pcpus.slice(0, MAX_PCPU_ROWS)) {
      out.push(`    pCPU${String(p).padEnd(4)}     ${int(c.records).padStart(9)} ${int(c.vmexits).padStart(9)} ${int(c.hypercalls).padStart(11)} ${int(c.irqs).padStart(5)}`);
    }
    if (pcpus.length > MAX_PCPU_ROWS) out.push(`    … ${pcpus.length - MAX_PCPU_ROWS} more pCPUs (all of them in the JSON details)`);
    out.push('  per domain/vCPU (records attributed to the vCPU running on the pCPU)');
    const vcpus = [...s.perVcpu].sort(byRecords);
    for (const [label, c] of vcpus.slice(0, 12)) {
      out.push(`    ${label.padEnd(12)} ${pct(c.records, s.total)} ${int(c.records).padStart(9)} records · ${int(c.vmexits)} vmexits · ${int(c.hypercalls)} hypercalls`);
    }
    if (vcpus.length > 12) out.push(`    … ${vcpus.length - 12} more`);
    const hcs = [...s.hypercalls].sort(byCount);
    out.push(hcs.length === 0 ? '  hypercalls         none traced (PV class 0x0020f000 not enabled, or no PV guests)' : '  hypercalls by op');
    for (const [label, hc] of hcs.slice(0, 15)) {
      const cmds = [...hc.byCmd].sort((a, b) => b[1] - a[1]).map(([c, v]) => `${c} ${int(v)}`).join(' · ');
      out.push(`    ${`${label} [${hc.op}]`.padEnd(40)} ${int(hc.count).padStart(9)}${hc.subcalls ? ` (${int(hc.subcalls)} in multicalls)` : ''}${cmds ? `  ${cmds}` : ''}`);
    }
    const exits = [...s.vmexits].sort((a, b) => b[1].count - a[1].count || a[0] - b[0]);
    out.push(exits.length === 0 ? '  VMEXITs            none (no HVM guests, or HVM class not traced)' : '  VMEXITs by reason');
    for (const [reason, x] of exits.slice(0, 12)) out.push(`    ${`${x.name} [${reason}]`.padEnd(40)} ${int(x.count).padStart(9)} ${pct(x.count, exits.reduce((n, [, y]) => n + y.count, 0))}`);
    out.push('  IRQs by pCPU');
    if (s.irqByPcpu.size + s.intrByPcpu.size === 0) out.push('    no physical IRQ records (TRC_HW_IRQ 0x00802000) or HVM INTR exits');
    for (const p of [...new Set([...s.irqByPcpu.keys(), ...s.intrByPcpu.keys()])].sort((a, b) => a - b).slice(0, MAX_PCPU_ROWS)) {
      const irq = s.irqByPcpu.get(p);
      const intr = s.intrByPcpu.get(p);
      const parts = [irq && `${int(sum(irq))} handled (${tallyText(irq, (k) => `irq ${k}`)})`, intr && `${int(sum(intr))} HVM INTR exits (${tallyText(intr, (k) => `vector ${hex(k)}`)})`];
      out.push(`    pCPU${String(p).padEnd(4)} ${parts.filter(Boolean).join(' · ')}`);
    }
    if (s.virqByVcpu.size > 0) {
      out.push('  virtual IRQs injected, by vCPU');
      for (const [label, t] of [...s.virqByVcpu].sort((a, b) => sum(b[1]) - sum(a[1]) || a[0].localeCompare(b[0])).slice(0, 12)) {
        out.push(`    ${label.padEnd(12)} ${int(sum(t)).padStart(9)} (${tallyText(t, (k) => `vector ${hex(k)}`)})`);
      }
    }
    return out;
  },
  json(model) {
    const s = collect(model);
    const h = model.meta.header;
    const obj = <V>(entries: [string | number, V][]) => Object.fromEntries(entries.map(([k, v]) => [String(k), v]));
    const tally = (t: Tally) => obj([...t].sort((a, b) => a[0] - b[0]));
    return {
      cpu_hz: model.meta.cpuHz,
      cpu_hz_assumed: (h['cpu hz'] ?? '').includes('assumed'),
      windows: h.windows === undefined ? null : Number(h.windows),
      wrap_padding_records: h['wrap padding records'] === undefined ? null : Number(h['wrap padding records']),
      lost_records: h['lost records'] === undefined ? null : Number(h['lost records']),
      by_class: obj(CLASS_NAMES.map((c, i) => [c, s.byClass[i]] as [string, number]).filter(([, v]) => v > 0)),
      per_pcpu: obj(s.perPcpu.flatMap((c, p) => (c ? [[p, c] as [number, Counter]] : []))),
      per_vcpu: obj([...s.perVcpu].sort(byRecords)),
      hypercalls: [...s.hypercalls].sort(byCount).map(([name, hc]) => ({ name, op: hc.op, count: hc.count, subcalls: hc.subcalls, by_cmd: obj([...hc.byCmd].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) })),
      vmexits: [...s.vmexits].sort((a, b) => b[1].count - a[1].count || a[0] - b[0]).map(([reason, x]) => ({ reason, name: x.name, count: x.count })),
      irqs_by_pcpu: obj([...s.irqByPcpu].sort((a, b) => a[0] - b[0]).map(([p, t]) => [p, tally(t)])),
      hvm_intr_by_pcpu: obj([...s.intrByPcpu].sort((a, b) => a[0] - b[0]).map(([p, t]) => [p, tally(t)])),
      virq_by_vcpu: obj([...s.virqByVcpu].sort((a, b) => a[0].localeCompare(b[0])).map(([v, t]) => [v, tally(t)])),
    };
  },
};

function byRecords(a: [string, Counter], b: [string, Counter]): number {
  return b[1].records - a[1].records || a[0].localeCompare(b[0]);
}

function grown(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function sum(t: Tally): number {
  let n = 0;
  for (const v of t.values()) n += v;
  return n;
}
