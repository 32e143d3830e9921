import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';
import type { PcpuState } from './attribution.js';
import { RUNSTATE_RUNNING, wordDom, wordVcpu } from './attribution.js';
import { Code, HYPERCALL_GRANT_TABLE_OP, HYPERCALL_IRET, HYPERCALL_MMUEXT_OP, TRC_64_FLAG, classify, gnttabCmdName, hypercallName, vmexitName } from './event-names.js';
import { IdCache } from './id-cache.js';
import type { Merger, RowQueue } from './merge.js';

const K = KIND_CODE;
const TWO32 = 4294967296;
const TRC_SCHED_SWITCH_INFPREV = 0x2800e;
const TRC_SCHED_SWITCH_INFCONT = 0x28011;
/** Xen's idle domain id, also what the model uses for work done by Xen itself. */
const DOMID_IDLE = 0x7fff;
/** Distinct hex payload strings kept for unknown records before we stop interning them. */
const MAX_UNKNOWN_TEXTS = 10000;

export interface LostGap {
  pcpu: number;
  byteOffset: number;
  count: number;
  /** Ticks (relative TSC) when the loss began and when tracing resumed. */
  fromTick: number;
  toTick: number;
  dom: number;
  vcpu: number;
}

/**
 * The hot path: decodes the records of one window slice straight into the event columns.
 * Per record: header bit ops, a TSC made relative to the trace's first TSC from its two words
 * (exact: TSCs exceed 2^53 only in absolute value), one cached id lookup, one switch, and a row
 * in the pCPU's merge queue (times as ticks; the merge turns them into ns). No per-record
 * objects or strings.
 */
export class RecordDecoder {
  private baseHi = 0;
  private baseLo = 0;
  private haveBase = false;
  minTick = Infinity;
  readonly lost: LostGap[] = [];
  private readonly ids: IdCache;
  /** The queue of the pCPU whose window is being decoded. */
  private q: RowQueue;
  private readonly opNames = new Map<number, number>();
  private readonly exitNames = new Map<number, number>();
  private readonly tlbReasons: number[];
  private unknownTexts = 0;

  constructor(
    private readonly b: TraceBuilder,
    private readonly st: PcpuState,
    private readonly merger: Merger,
    private readonly nsPerTick: number,
    /** Called with the first TSC of the file (it becomes tick 0). */
    private readonly onBase: (hi: number, lo: number) => void,
  ) {
    this.tlbReasons = ['cr3', 'invlpg', 'invlpga'].map((s) => b.pool.intern(s));
    this.ids = new IdCache(b.pool);
    this.q = merger.queue(0);
  }

  get hasBase(): boolean {
    return this.haveBase;
  }

  /** The absolute TSC of tick 0 as [hi, lo] (the first TSC in the file). */
  get base(): [number, number] {
    return [this.baseHi, this.baseLo];
  }

  /**
   * Decode words[start, end) as records of `pcpu`; stop before a record that does not fit.
   * Returns the word index after the last decoded record. `offset` = file byte of words[0].
   */
  decode(words: Uint32Array, start: number, end: number, pcpu: number, offset: number): number {
    const b = this.b;
    const st = this.st;
    const q = (this.q = this.merger.queue(pcpu));
    let last = this.merger.lastTick[pcpu];
    let dom = st.dom[pcpu];
    let vcpu = st.vcpu[pcpu];
    let i = start;
    while (i < end) {
      const w = words[i];
      const n = (w >>> 28) & 7;
      const tsc = w >>> 31;
      const size = 1 + (tsc << 1) + n;
      if (i + size > end) break;
      let x = i + 1;
      if (tsc !== 0) {
        if (!this.haveBase) this.setBase(words[x + 1], words[x]);
        const t = (words[x + 1] - this.baseHi) * TWO32 + (words[x] - this.baseLo);
        if (t < last) this.backwards(pcpu, offset + i * 4, t, last);
        else if (last !== last && q.size > 0) q.fillTicks(t);
        last = t;
        if (t < this.minTick) this.minTick = t;
        x += 2;
      }
      const id = w & 0x0fffffff;
      const packed = this.ids.get(id);
      const name = packed >>> 5;
      // Missing trailing words read as NaN: layouts vary by Xen version (FORMATS.md §3.11.8).
      const w0 = n > 0 ? words[x] : NaN;
      const w1 = n > 1 ? words[x + 1] : NaN;
      const w2 = n > 2 ? words[x + 2] : NaN;
      const w3 = n > 3 ? words[x + 3] : NaN;
      let row = -1;
      switch (packed & 31) {
        case Code.Wrap:
          st.padding[pcpu]++;
          break;
        case Code.CpuChange:
          b.diagnostics.report('xentrace/bad-window', 'error', 'corrupt window: a cpu_change record inside a window', {
            byteOffset: offset + i * 4,
          });
          break;
        case Code.Runstate: {
          const sd = wordDom(w0);
          const sv = wordVcpu(w0);
          const to = (id >>> 4) & 0xf;
          if (dom < 0 && n > 0 && ((id >>> 8) & 0xf) === RUNSTATE_RUNNING) backfill(q, sd, sv);
          if (to === RUNSTATE_RUNNING && n > 0) {
            dom = sd;
            vcpu = sv;
          }
          row = this.row(last, pcpu, K.runstate, name, dom, vcpu, n > 0 ? sd : NaN, n > 0 ? sv : NaN, (id >>> 8) & 0xf, to);
          break;
        }
        case Code.Continue:
          if (n > 0) {
            if (dom < 0) backfill(q, wordDom(w0), wordVcpu(w0));
            dom = wordDom(w0);
            vcpu = wordVcpu(w0);
          }
          row = this.row(last, pcpu, K.sched_other, name, dom, vcpu, w0, w1, w2, w3);
          break;
        case Code.Switch:
          if (dom < 0 && n > 1) backfill(q, w0, w1);
          if (n > 3) {
            dom = w2;
            vcpu = w3;
          }
          row = this.row(last, pcpu, K.vcpu_switch, name, dom, vcpu, w0, w1, w2, w3);
          break;
        case Code.SchedOther:
          // SWITCH_INFPREV / SWITCH_INFCONT name the vCPU that was running here (dom, vcpu).
          if (dom < 0 && n > 1 && (id === TRC_SCHED_SWITCH_INFPREV || id === TRC_SCHED_SWITCH_INFCONT)) {
            backfill(q, w0, w1);
            dom = w0;
            vcpu = w1;
          }
          row = this.row(last, pcpu, K.sched_other, name, dom, vcpu, w0, w1, w2, w3);
          break;
        case Code.VmEntry:
          row = this.row(last, pcpu, K.vmentry, name, dom, vcpu, NaN, NaN, NaN, NaN);
          break;
        case Code.VmExit:
          row = this.row(last, pcpu, K.vmexit, name, dom, vcpu, w0, id & TRC_64_FLAG ? w2 * TWO32 + w1 : w1, NaN, NaN);
          if (n > 0) q.str0[row] = this.exitName(w0);
          break;
        case Code.InjVirq:
          row = this.row(last, pcpu, K.irq_entry, name, dom, vcpu, w0, NaN, w1, NaN);
          break;
        case Code.Intr:
          row = this.row(last, pcpu, K.irq_vector_entry, name, dom, vcpu, w0, NaN, NaN, NaN);
          break;
        case Code.CrWrite:
          if (w0 === 3) {
            row = this.row(last, pcpu, K.tlb_flush, name, dom, vcpu, -1, NaN, NaN, id & TRC_64_FLAG ? w2 * TWO32 + w1 : w1);
            q.str0[row] = this.tlbReasons[0];
          } else row = this.row(last, pcpu, K.hvm_handler, name, dom, vcpu, w0, w1, w2, w3);
          break;
        case Code.Invlpg:
          row = this.row(last, pcpu, K.tlb_flush, name, dom, vcpu, 1, NaN, NaN, id & TRC_64_FLAG ? w2 * TWO32 + w1 : w1);
          q.str0[row] = this.tlbReasons[w0 === 1 ? 2 : 1];
          break;
        case Code.VmmCall:
          row = this.row(last, pcpu, K.hypercall, name, dom, vcpu, w0, NaN, NaN, NaN);
          if (n > 0) q.str0[row] = this.opName(w0, NaN);
          break;
        case Code.HvmHandler:
          row = this.row(last, pcpu, K.hvm_handler, name, dom, vcpu, w0, w1, w2, w3);
          break;
        case Code.HypercallV2:
          row = this.hypercallV2(words, x, n, last, pcpu, name, dom, vcpu);
          break;
        case Code.HypercallV1:
          row = this.pvHypercall(last, pcpu, name, dom, vcpu, id & TRC_64_FLAG ? w2 : w1, NaN, NaN, NaN);
          break;
        case Code.PvTrap: {
          const wide = (id & TRC_64_FLAG) !== 0;
          const t = wide ? w2 : w1;
          const ec = (t >>> 15) & 1 ? t >>> 16 : NaN;
          row = this.row(last, pcpu, K.pv_trap, name, dom, vcpu, t & 0x7fff, ec, wide ? w1 * TWO32 + w0 : w0, NaN);
          break;
        }
        case Code.PvPageFault:
          if (id & TRC_64_FLAG) {
            const ec = n > 4 ? words[x + 4] : NaN;
            row = this.row(last, pcpu, K.page_fault, name, dom, vcpu, w3 * TWO32 + w2, ec, w1 * TWO32 + w0, NaN);
          } else row = this.row(last, pcpu, K.page_fault, name, dom, vcpu, w1, w2, w0, NaN);
          break;
        case Code.Grant:
          // map_grant_ref = 0, unmap_grant_ref = 1, transfer = 4 (GNTTABOP numbering).
          row = this.row(last, pcpu, K.grant_op, name, dom, vcpu, (id & 0xf) === 1 ? 0 : (id & 0xf) === 2 ? 1 : 4, NaN, w0, NaN);
          break;
        case Code.IrqHandled:
          // Xen handles it, whoever was running. tsc_in / tsc_out are the TSC's low 32 bits: subtract modulo 2^32.
          row = this.row(last, pcpu, K.irq_entry, name, DOMID_IDLE, -1, w0, n > 2 ? Math.round(((w2 - w1) >>> 0) * this.nsPerTick) : NaN, NaN, NaN);
          break;
        case Code.IrqBind:
          row = this.row(last, pcpu, K.irq_bind, name, dom, vcpu, w0, w1, w2, NaN);
          break;
        case Code.Lost:
          if (n > 3) {
            dom = w1 & 0xffff;
            vcpu = w1 >>> 16;
            const from = (w3 - this.baseHi) * TWO32 + (w2 - this.baseLo);
            row = this.row(last, pcpu, K.lost, name, dom, vcpu, w0, from, dom, vcpu);
            this.lost.push({ pcpu, byteOffset: offset + i * 4, count: w0, fromTick: from, toTick: last, dom, vcpu });
          } else row = this.row(last, pcpu, K.lost, name, dom, vcpu, w0, NaN, NaN, NaN);
          break;
        case Code.Unknown:
          row = this.row(last, pcpu, K.other, name, dom, vcpu, id, w0, w1, w2);
          if (n > 0 && this.unknownTexts < MAX_UNKNOWN_TEXTS) {
            this.unknownTexts++;
            q.str0[row] = b.pool.intern(hexWords(words, x, n));
          }
          break;
        default:
          row = this.row(last, pcpu, K.other, name, dom, vcpu, id, w0, w1, w2);
      }
      i += size;
    }
    this.merger.lastTick[pcpu] = last;
    st.dom[pcpu] = dom;
    st.vcpu[pcpu] = vcpu;
    return i;
  }

  /** Queue a row for the merge; `cpu` is implied by the queue. Returns its queue index (for str0). */
  private row(ts: number, _cpu: number, kind: number, name: number, dom: number, vcpu: number, a0: number, a1: number, a2: number, a3: number): number {
    const q = this.q;
    const i = q.push();
    q.tick[i] = ts;
    q.kind[i] = kind;
    q.name[i] = name;
    q.dom[i] = dom;
    q.vcpu[i] = vcpu;
    q.a0[i] = a0;
    q.a1[i] = a1;
    q.a2[i] = a2;
    q.a3[i] = a3;
    q.str0[i] = -1;
    return i;
  }

  /** V2 word 0: op in bits 0..19, then a 2-bit code per argument (01 = u32, 10 = u64 as lo, hi). */
  private hypercallV2(words: Uint32Array, x: number, n: number, ts: number, pcpu: number, name: number, dom: number, vcpu: number): number {
    if (n === 0) return this.row(ts, pcpu, K.hypercall, name, dom, vcpu, NaN, NaN, NaN, NaN);
    const w = words[x];
    const op = w & 0xfffff;
    const presence = w >>> 20;
    let first = NaN;
    let second = NaN;
    let at = x + 1;
    const end = x + n;
    for (let arg = 0, got = 0; arg < 6 && got < 2; arg++) {
      const code = (presence >>> (2 * arg)) & 3;
      if (code === 0 || code === 3) continue;
      const wide = code === 2;
      if (at + (wide ? 2 : 1) > end) break;
      const v = wide ? words[at + 1] * TWO32 + words[at] : words[at];
      at += wide ? 2 : 1;
      if (got++ === 0) first = v;
      else second = v;
    }
    return this.pvHypercall(ts, pcpu, name, dom, vcpu, op, first, second, presence);
  }

  /** DESIGN §4: iret (23) is a PV syscall return, mmuext_op (26) a TLB flush; the rest are hypercalls. */
  private pvHypercall(ts: number, pcpu: number, name: number, dom: number, vcpu: number, op: number, first: number, second: number, presence: number): number {
    let row: number;
    if (op === HYPERCALL_IRET) row = this.row(ts, pcpu, K.syscall_exit, name, dom, vcpu, NaN, NaN, NaN, NaN);
    else if (op === HYPERCALL_MMUEXT_OP) row = this.row(ts, pcpu, K.tlb_flush, name, dom, vcpu, NaN, NaN, NaN, first);
    else row = this.row(ts, pcpu, K.hypercall, name, dom, vcpu, op, first, second, presence);
    if (op === op) this.q.str0[row] = this.opName(op, op === HYPERCALL_GRANT_TABLE_OP ? first : NaN);
    return row;
  }

  /** String id of a hypercall name; grant_table_op carries its cmd (`grant_table_op:copy`). */
  private opName(op: number, cmd: number): number {
    const key = cmd === cmd ? op * 65536 + cmd : op;
    let id = this.opNames.get(key);
    if (id === undefined) {
      const base = hypercallName(op);
      id = this.b.pool.intern(cmd === cmd ? `${base}:${gnttabCmdName(cmd)}` : base);
      this.opNames.set(key, id);
    }
    return id;
  }

  private exitName(reason: number): number {
    let id = this.exitNames.get(reason);
    if (id === undefined) {
      id = this.b.pool.intern(vmexitName(reason));
      this.exitNames.set(reason, id);
    }
    return id;
  }

  private setBase(hi: number, lo: number): void {
    this.baseHi = hi;
    this.baseLo = lo;
    this.haveBase = true;
    this.onBase(hi, lo);
  }

  private backwards(pcpu: number, byteOffset: number, t: number, last: number): void {
    this.b.diagnostics.report('xentrace/tsc-backwards', 'warning', 'TSC went backwards within one pCPU (kept the record, in file order for that pCPU)', {
      byteOffset,
      excerpt: `pCPU ${pcpu}: TSC steps back by ${last - t} cycles`,
    });
  }
}

/**
 * Records logged before a pCPU's first scheduler record are unattributed; the first record
 * that names who *was* running there (a switch's `prev`, a runstate change away from running,
 * which Xen logs on the vCPU's own pCPU) names them. Rows already merged out stay unknown.
 */
function backfill(q: RowQueue, dom: number, vcpu: number): void {
  for (let i = q.head; i < q.tail; i++) {
    if (q.dom[i] === -1) {
      q.dom[i] = dom;
      q.vcpu[i] = vcpu;
    }
  }
}

function hexWords(words: Uint32Array, x: number, n: number): string {
  const out: string[] = [];
  for (let k = 0; k < n; k++) out.push(words[x + k].toString(16).padStart(8, '0'));
  return out.join(' ');
}
