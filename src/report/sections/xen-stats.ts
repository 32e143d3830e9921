import { KIND_CODE } from '../../model/schema.js';
import type { TraceModel } from '../../model/trace-model.js';
import type { Tally } from './tallies.js';
import { Tallies, VcpuSlots } from './tallies.js';
import { indexFilled, indexToFill } from '../../detectors/rows.js';

/**
 * The xen section's numbers: one typed pass over the events (cached per model: text and JSON
 * share it). The pass runs over every row of multi-GB captures, so it keeps its per-row work to
 * array loads and increments: what each kind needs is looked up in a small action table,
 * string tests are precomputed per string id, and the rare, Map-based tallies (IRQs, exit
 * reasons ≥ 256) live in separate functions so that the hot loop keeps its values in registers.
 */
const K = KIND_CODE;
export const IDLE = 0x7fff;
export const CLASS_NAMES = ['gen', 'sched', 'dom0op', 'hvm', 'mem', 'pv', 'shadow', 'hw', 'guest', 'other'];
const CLS = Object.fromEntries(CLASS_NAMES.map((c, i) => [c, i])) as Record<string, number>;
const HVM_TEXT = /^(n?VM(ENTRY|EXIT)|INJ_VIRQ|REINJ_VIRQ|INTR|VMMCALL|CR_WRITE|INVLPG|[A-Z][A-Z0-9_]+)$/;

export interface Counter {
  records: number;
  vmexits: number;
  hypercalls: number;
  irqs: number;
}
export type { Tally } from './tallies.js';
export const bump = <K>(m: Map<K, number>, k: K, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

export interface XenStats {
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

/** What the pass does for a row besides counting it, by kind. */
const VMEXIT = 1;
const CALL = 2;
/** syscall_exit / tlb_flush rows that are PV hypercalls (iret, mmuext_op): decided by str0. */
const MAYBE_CALL = 3;
const IRQ = 4;
const INTR = 5;
const ACTION = new Uint8Array(256);
ACTION[K.vmexit] = VMEXIT;
ACTION[K.hypercall] = CALL;
ACTION[K.syscall_exit] = MAYBE_CALL;
ACTION[K.tlb_flush] = MAYBE_CALL;
ACTION[K.irq_entry] = IRQ;
ACTION[K.irq_vector_entry] = INTR;

const cache = new WeakMap<TraceModel, XenStats>();
const NO_INDEX = new Int8Array(256).fill(-1);
/** Rows per block of the pass (see collect). */
const BLOCK = 16384;

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

export function collect(model: TraceModel): XenStats {
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
  // By str0 + 1 (str0 is -1 when absent): the syscall_exit / tlb_flush rows that are PV hypercalls.
  const pvCall = new Uint8Array(nStr + 1);
  for (const s of [id('iret'), id('mmuext_op')]) if (s >= 0) pvCall[s + 1] = 1;
  const subcall = id('TRC_PV_HYPERCALL_SUBCALL');
  // Hot counters in typed arrays keyed by string id / exit reason; maps are built once at the end.
  const hcCount = new Float64Array(2 * nStr + 1);
  const hcSub = new Float64Array(2 * nStr + 1);
  const hcOp = new Float64Array(2 * nStr + 1).fill(NaN);
  // By name: nStr for HVM VMMCALL records (their ops are counted apart), else 0.
  const hcShift = new Int32Array(nStr);
  for (let s = 0; s < nStr; s++) if (model.strings[s].includes('VMMCALL')) hcShift[s] = nStr;
  const exits = new Float64Array(256);
  const exitName = new Int32Array(256).fill(-1);
  const bigExits = new Map<number, number>();
  // Per-pCPU counters, sized by the highest pCPU the builder saw (rows without one count as pCPU 0).
  const nCpu = Math.max(1, model.eventStats.maxCpu + 1);
  const pcExits = new Float64Array(nCpu);
  const pcCalls = new Float64Array(nCpu);
  const pcIrqs = new Float64Array(nCpu);
  const slots = new VcpuSlots();
  const rowOf = slots.rowOf;
  let table = slots.table;
  const irqs = new Tallies(), intrs = new Tallies(), virqs = new Tallies();
  let vRecords = slots.records, vExits = slots.exits, vCalls = slots.calls;
  // The detectors' row index is filled here too (the pass reads every kind anyway); else a table that fills nothing.
  const toFill = indexToFill(model);
  const ixSlot = toFill?.slot ?? NO_INDEX, ixFill = toFill?.fill ?? new Int32Array(0);
  const ixRows = toFill?.rows ?? [];
  const OTHER = K.other, SYSCALL_EXIT = K.syscall_exit, TLB = K.tlb_flush;
  // The model's columns sit on resizable buffers, where every indexed read pays a bounds check
  // against the buffer's current size (2.6× a plain array's read, measured on Node 20): the
  // pass reads them block by block through plain copies (TypedArray.set is a memcpy).
  const B = Math.min(n, BLOCK);
  const kinds = new Uint8Array(B), names = new Int32Array(B), cpuB = new Int32Array(B), a0s = new Float64Array(B);
  const doms = new Int32Array(B), vcpus = new Int32Array(B), str0s = new Int32Array(B);
  for (let start = 0; start < n; start += B) {
    const m = Math.min(B, n - start);
    kinds.set(e.kind.subarray(start, start + m));
    names.set(e.name.subarray(start, start + m));
    cpuB.set(e.cpu.subarray(start, start + m));
    a0s.set(e.a0.subarray(start, start + m));
    doms.set(e.domain.subarray(start, start + m));
    vcpus.set(e.vcpu.subarray(start, start + m));
    str0s.set(e.str0.subarray(start, start + m));
    for (let i = 0; i < m; i++) {
      const kind = kinds[i];
      const name = names[i];
      // Classes: counted per name (its class is looked up once, after the loop), or per id for `other`.
      if (kind === OTHER && a0s[i] === a0s[i]) byIdClass[ID_CLASS[(a0s[i] >>> 16) & 0xfff]]++;
      else if (nameCount[name]++ === 0) nameKind[name] = kind;
      const ix = ixSlot[kind];
      if (ix >= 0) ixRows[ix][ixFill[ix]++] = start + i;
      const dom = doms[i];
      const vcpu = vcpus[i];
      // The pair's slot from the tables (see VcpuSlots), else made.
      const d = dom + 1;
      const w = vcpu + 1;
      let v = ((d >>> 16) | (w >>> 8)) === 0 ? table[rowOf[d] + w] - 1 : -1;
      if (v < 0) {
        v = slots.slot(dom, vcpu);
        table = slots.table; // the slots may have grown
        vRecords = slots.records;
        vExits = slots.exits;
        vCalls = slots.calls;
      }
      vRecords[v]++;
      let act = ACTION[kind];
      if (act === 0) continue;
      if (act === MAYBE_CALL) act = pvCall[str0s[i] + 1] === 1 ? CALL : 0;
      const cpu = cpuB[i] < 0 ? 0 : cpuB[i];
      if (act === VMEXIT) {
        const a0 = a0s[i];
        pcExits[cpu]++;
        vExits[v]++;
        if (a0 >= 0 && a0 < 256) {
          exits[a0]++;
          exitName[a0] = str0s[i];
        } else bump(bigExits, a0);
      } else if (act === CALL) {
        pcCalls[cpu]++;
        vCalls[v]++;
        const k = str0s[i] + 1 + hcShift[name];
        hcCount[k]++;
        if (name === subcall) hcSub[k]++;
        if (hcOp[k] !== hcOp[k]) hcOp[k] = kind === SYSCALL_EXIT ? 23 : kind === TLB ? 26 : a0s[i];
      } else if (act === IRQ) {
        if (dom === IDLE && vcpu < 0) {
          pcIrqs[cpu]++;
          irqs.add(cpu, a0s[i]);
        } else virqs.add(v, a0s[i]);
      } else if (act === INTR) intrs.add(cpu, a0s[i]);
    }
  }
  for (let c = 0; c < CLASS_NAMES.length; c++) st.byClass[c] += byIdClass[c];
  for (let s = 0; s < nStr; s++) if (nameCount[s] > 0) st.byClass[classOf(model, s, nameKind[s])] += nameCount[s];
  for (let p = 0; p < nCpu; p++) {
    // Records per pCPU were counted by the builder as rows were written (rows without a pCPU count as pCPU 0 here).
    const records = (model.eventStats.cpuCounts[p + 1] ?? 0) + (p === 0 ? model.eventStats.cpuCounts[0] ?? 0 : 0);
    if (records > 0) st.perPcpu[p] = { records, vmexits: pcExits[p], hypercalls: pcCalls[p], irqs: pcIrqs[p] };
  }
  st.irqByPcpu = irqs.toMaps((p) => p);
  st.intrByPcpu = intrs.toMaps((p) => p);
  if (toFill !== null) indexFilled(model, toFill);
  const slotLabel = slots.keys.map(keyLabel);
  st.virqByVcpu = virqs.toMaps((slot) => slotLabel[slot]);
  slots.keys.forEach((key, slot) => st.perVcpu.set(slotLabel[slot], { records: vRecords[slot], vmexits: vExits[slot], hypercalls: vCalls[slot], irqs: 0 }));
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

/** The label of a slot key `dom * 65536 + vcpu` (domains and vCPUs are ≥ -1 and < 65536). */
function keyLabel(key: number): string {
  const dom = Math.floor((key + 1) / 65536);
  return vcpuLabel(dom, key - dom * 65536);
}

export function vcpuLabel(dom: number, vcpu: number): string {
  if (dom === IDLE) return vcpu < 0 ? 'xen' : `idle v${vcpu}`;
  return `d${dom < 0 ? '?' : dom}v${vcpu < 0 ? '?' : vcpu}`;
}
