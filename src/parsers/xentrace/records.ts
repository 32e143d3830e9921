import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';
import type { PcpuState } from './attribution.js';
import { RUNSTATE_RUNNING, backfill, wordDom, wordVcpu } from './attribution.js';
import { Code, HYPERCALL_GRANT_TABLE_OP, TRC_64_FLAG } from './event-names.js';
import { decodeHypercallV2, hypercallKind } from './hypercall.js';
import { IdCache } from './id-cache.js';
import type { Merger } from './merge.js';
import type { LostGap } from './clock.js';
import { shapeRecord } from './record-args.js';
import { RecordStrings } from './record-strings.js';
import { A0, A1, A2, A3, DOM, KIND, NAME, STR0, STRIDE, VCPU, fillTicks } from './row-queue.js';

const K = KIND_CODE;
const TWO32 = 4294967296;
const TRC_SCHED_SWITCH_INFPREV = 0x2800e;
const TRC_SCHED_SWITCH_INFCONT = 0x28011;
/** Xen's idle domain id, also what the model uses for work done by Xen itself. */
const DOMID_IDLE = 0x7fff;
/** Words decoded between queue capacity checks. */
const BATCH = 4096;

/**
 * The hot path: decodes the records of one window slice into the pCPU's merge queue. Per record:
 * header bit ops, a TSC made relative to the trace's first TSC from its two words (exact: TSCs
 * exceed 2^53 only in absolute value), one cached id lookup, one switch that picks the kind and
 * a0..a3, and one row written inline (no call with boxed numbers, no per-record objects or
 * strings). Times stay ticks until the merge writes the row to the model.
 */
export class RecordDecoder {
  private baseHi = 0;
  private baseLo = 0;
  private haveBase = false;
  minTick = Infinity;
  readonly lost: LostGap[] = [];
  private readonly ids: IdCache;
  private readonly strings: RecordStrings;
  /** Hypercall arguments: op, first, second, presence (see hypercall). */
  private readonly hc = new Float64Array(4);
  /** In and out of shapeRecord: a record's first words; its a0..a3 and str0. */
  private readonly words4 = new Float64Array(4);
  private readonly args = new Float64Array(5);

  constructor(
    private readonly b: TraceBuilder,
    private readonly st: PcpuState,
    private readonly merger: Merger,
    private readonly nsPerTick: number,
    /** Called with the first TSC of the file (it becomes tick 0). */
    private readonly onBase: (hi: number, lo: number) => void,
  ) {
    this.strings = new RecordStrings(b.pool);
    this.ids = new IdCache(b.pool);
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
    const st = this.st;
    const q = this.merger.queue(pcpu);
    let rows = q.rows;
    let r = q.tail;
    let batchEnd = start;
    let last = this.merger.lastTick[pcpu];
    let dom = st.dom[pcpu];
    let vcpu = st.vcpu[pcpu];
    let minTick = this.minTick;
    // A record without TSC inherits its pCPU's last one; at a window's start that TSC may be from
    // before the previous pass, while the record was logged after that pass drained the buffer,
    // so it is no earlier than the merge's watermark (see merge): the better lower bound.
    const floor = this.merger.floor;
    let baseHi = this.baseHi;
    let baseLo = this.baseLo;
    let i = start;
    while (i < end) {
      if (i >= batchEnd) {
        // A batch of BATCH words holds at most BATCH records: room for them, then fixed arrays.
        batchEnd = Math.min(end, i + BATCH);
        q.tail = r;
        q.reserve(batchEnd - i); // may compact the queue: rows move to the front
        r = q.tail;
        rows = q.rows;
      }
      const w = words[i];
      const n = (w >>> 28) & 7;
      const tsc = w >>> 31;
      const size = 1 + (tsc << 1) + n;
      if (i + size > end) break;
      let x = i + 1;
      if (tsc !== 0) {
        if (!this.haveBase) {
          // The file's first TSC becomes tick 0.
          this.setBase(words[x + 1], words[x]);
          baseHi = this.baseHi;
          baseLo = this.baseLo;
        }
        const t = (words[x + 1] - baseHi) * TWO32 + (words[x] - baseLo);
        if (t < last) this.backwards(pcpu, offset + i * 4, t, last);
        else if (last !== last && r > q.head) fillTicks(rows, q.head, r, t);
        last = t;
        if (t < minTick) minTick = t;
        x += 2;
      }
      const id = w & 0x0fffffff;
      const packed = this.ids.get(id);
      // Missing trailing words read as NaN: layouts vary by Xen version (FORMATS.md §3.11.8).
      let a0 = n > 0 ? words[x] : NaN;
      let a1 = n > 1 ? words[x + 1] : NaN;
      let a2 = n > 2 ? words[x + 2] : NaN;
      let a3 = n > 3 ? words[x + 3] : NaN;
      let kind: number = K.other;
      let str = -1;
      const code = packed & 31;
      switch (code) {
        case Code.Wrap:
          st.padding[pcpu]++;
          i += size;
          continue;
        case Code.CpuChange:
          this.b.diagnostics.report('xentrace/bad-window', 'error', 'corrupt window: a cpu_change record inside a window', { byteOffset: offset + i * 4 });
          i += size;
          continue;
        case Code.Runstate: {
          const sd = wordDom(a0);
          const sv = wordVcpu(a0);
          kind = K.runstate;
          a2 = (id >>> 8) & 0xf;
          a3 = (id >>> 4) & 0xf;
          if (n > 0) {
            if (dom < 0 && a2 === RUNSTATE_RUNNING) backfill(q, r, sd, sv);
            if (a3 === RUNSTATE_RUNNING) {
              dom = sd;
              vcpu = sv;
            }
            a0 = sd;
            a1 = sv;
          }
          break;
        }
        case Code.Continue:
          kind = K.sched_other;
          if (n > 0) {
            if (dom < 0) backfill(q, r, wordDom(a0), wordVcpu(a0));
            dom = wordDom(a0);
            vcpu = wordVcpu(a0);
          }
          break;
        case Code.Switch:
          kind = K.vcpu_switch;
          if (dom < 0 && n > 1) backfill(q, r, a0, a1);
          if (n > 3) {
            dom = a2;
            vcpu = a3;
          }
          break;
        case Code.SchedOther:
          kind = K.sched_other;
          // SWITCH_INFPREV / SWITCH_INFCONT name the vCPU that was running here (dom, vcpu).
          if (dom < 0 && n > 1 && (id === TRC_SCHED_SWITCH_INFPREV || id === TRC_SCHED_SWITCH_INFCONT)) {
            backfill(q, r, a0, a1);
            dom = a0;
            vcpu = a1;
          }
          break;
        case Code.VmEntry:
          kind = K.vmentry;
          a0 = a1 = a2 = a3 = NaN;
          break;
        case Code.VmExit:
          kind = K.vmexit;
          a1 = id & TRC_64_FLAG ? a2 * TWO32 + a1 : a1;
          a2 = a3 = NaN;
          if (n > 0) str = this.strings.exit(a0);
          break;
        case Code.InjVirq:
          kind = K.irq_entry;
          a2 = a1; // the `fake` flag
          a1 = a3 = NaN;
          break;
        case Code.Intr:
          kind = K.irq_vector_entry;
          a1 = a2 = a3 = NaN;
          break;
        case Code.VmmCall:
          kind = K.hypercall;
          a1 = a2 = a3 = NaN;
          if (n > 0) str = this.strings.op(a0, NaN);
          break;
        case Code.HvmHandler:
          kind = K.hvm_handler;
          break;
        case Code.HypercallV2:
        case Code.HypercallV1: {
          const hc = this.hc;
          if (code === Code.HypercallV2) decodeHypercallV2(words, x, n, hc);
          else {
            hc.fill(NaN);
            hc[0] = id & TRC_64_FLAG ? a2 : a1; // v1: eip/rip words, then eax = the op
          }
          const op = hc[0];
          kind = hypercallKind(op);
          a0 = kind === K.hypercall ? op : NaN;
          a1 = kind === K.hypercall ? hc[1] : NaN;
          a2 = kind === K.hypercall ? hc[2] : NaN;
          a3 = kind === K.hypercall ? hc[3] : kind === K.tlb_flush ? hc[1] : NaN;
          if (op === op) str = this.strings.op(op, op === HYPERCALL_GRANT_TABLE_OP ? hc[1] : NaN);
          break;
        }
        case Code.CrWrite:
        case Code.Invlpg:
        case Code.PvTrap:
        case Code.PvPageFault:
        case Code.Grant:
        case Code.IrqHandled:
        case Code.IrqBind: {
          const w = this.words4;
          w[0] = a0;
          w[1] = a1;
          w[2] = a2;
          w[3] = a3;
          const out = this.args;
          kind = shapeRecord(code, id, words, x, n, w, this.nsPerTick, this.strings, out);
          a0 = out[0];
          a1 = out[1];
          a2 = out[2];
          a3 = out[3];
          str = out[4];
          break;
        }
        case Code.Lost:
          kind = K.lost;
          if (n > 3) {
            dom = a1 & 0xffff;
            vcpu = a1 >>> 16;
            a1 = (a3 - baseHi) * TWO32 + (a2 - baseLo);
            this.lost.push({ pcpu, byteOffset: offset + i * 4, count: a0, fromTick: a1, toTick: last, dom, vcpu });
            a2 = dom;
            a3 = vcpu;
          } else a1 = a2 = a3 = NaN;
          break;
        case Code.Unknown:
          str = this.strings.unknownWords(words, x, n);
        // falls through: unknown and other records keep the id and their first words
        default:
          a3 = a2;
          a2 = a1;
          a1 = a0;
          a0 = id;
      }
      const xen = code === Code.IrqHandled;
      const o = r * STRIDE;
      rows[o] = tsc !== 0 || !(last < floor) ? last : floor;
      rows[o + KIND] = kind;
      rows[o + NAME] = packed >>> 5;
      rows[o + DOM] = xen ? DOMID_IDLE : dom | 0;
      rows[o + VCPU] = xen ? -1 : vcpu | 0;
      rows[o + A0] = a0;
      rows[o + A1] = a1;
      rows[o + A2] = a2;
      rows[o + A3] = a3;
      rows[o + STR0] = str;
      r++;
      i += size;
    }
    q.tail = r;
    this.minTick = minTick;
    this.merger.lastTick[pcpu] = last;
    st.dom[pcpu] = dom;
    st.vcpu[pcpu] = vcpu;
    return i;
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
