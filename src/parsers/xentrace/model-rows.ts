import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';
import type { RowQueue } from './row-queue.js';
import { A0, A1, A2, A3, DOM, KIND, NAME, STR0, STRIDE, VCPU } from './row-queue.js';

/**
 * THE ONE PLACE where xentrace event rows are written to the model (`write` and `finishLost`).
 *
 * The merge appends rows here in time order; they are staged in plain typed arrays and copied
 * into the model's columns a block at a time with TypedArray.set. Why not store each row
 * straight into the model: its columns sit on resizable ArrayBuffers, and on Node 20 an indexed
 * store into such an array costs several times one into a plain array (measured 5-9×), while
 * `set` is a memcpy either way. Model writers that change the column types adapt `write` only.
 * The copy into the staging block also turns ticks into ns and counts rows per kind and pCPU,
 * with the values in registers; the builder gets the counts at the end (`countBulk`).
 */
const LOST = KIND_CODE.lost;
/** Rows per block: the staged columns (~60 B a row) stay within L2-ish sizes. */
const BLOCK = 8192;

/** How queued ticks become model time: tsNs = offset + round(tick × nsPerTick). */
export interface Timebase {
  nsPerTick: number;
  offset: number;
}

export class ModelRows {
  /** Model rows of LOST_RECORDS: their a1 (ns when the loss began) is rebased with the rows at the end. */
  readonly lostRows: number[] = [];
  private n = 0;
  private readonly ts = new Float64Array(BLOCK);
  private readonly cpu = new Int32Array(BLOCK);
  private readonly kind = new Uint8Array(BLOCK);
  private readonly name = new Int32Array(BLOCK);
  private readonly dom = new Int32Array(BLOCK);
  private readonly vcpu = new Int32Array(BLOCK);
  private readonly a0 = new Float64Array(BLOCK);
  private readonly a1 = new Float64Array(BLOCK);
  private readonly a2 = new Float64Array(BLOCK);
  private readonly a3 = new Float64Array(BLOCK);
  private readonly str0 = new Int32Array(BLOCK);
  /** Staged rows of LOST_RECORDS (block positions), made model rows when the block is written. */
  private readonly lostStaged: number[] = [];
  /** What the builder is told at the end (countBulk): rows per kind, per pCPU (index pcpu + 1), time span. */
  private readonly kindRows = new Float64Array(256);
  private pcpuRows = new Float64Array(64);
  private minNs = Infinity;
  private maxNs = -Infinity;

  constructor(
    private readonly b: TraceBuilder,
    private readonly time: Timebase,
  ) {}

  /**
   * Stage the merged bursts: rows [from[b], to[b]) of pCPU p[b]'s queue, b < nb, in that order.
   * The merge hands over a list rather than one burst at a time: bursts average ~1.2 rows
   * when pCPUs interleave finely, and a call per burst, inlined into the heap loop, ran out of
   * registers and cost more than the copying itself.
   */
  add(qs: readonly RowQueue[], p: Int32Array, from: Int32Array, to: Int32Array, nb: number): void {
    const sTs = this.ts, sCpu = this.cpu, sKind = this.kind, sName = this.name, sDom = this.dom, sVcpu = this.vcpu;
    const sA0 = this.a0, sA1 = this.a1, sA2 = this.a2, sA3 = this.a3, sStr = this.str0;
    const kinds = this.kindRows;
    // Ticks become ns here, and so does a loss start (a1 of LOST_RECORDS), a tick like the row's.
    const k = this.time.nsPerTick;
    const offset = this.time.offset;
    let min = this.minNs;
    let max = this.maxNs;
    let s = this.n;
    for (let b = 0; b < nb; b++) {
      const pcpu = p[b];
      const rows = qs[pcpu].rows;
      this.countPcpu(pcpu, to[b] - from[b]);
      for (let o = from[b] * STRIDE, end = to[b] * STRIDE; o < end; o += STRIDE) {
        if (s === BLOCK) {
          this.n = s;
          this.write();
          s = 0;
        }
        const ns = offset + Math.round(rows[o] * k);
        if (ns < min) min = ns;
        if (ns > max) max = ns;
        const kind = rows[o + KIND];
        kinds[kind]++;
        sTs[s] = ns;
        sCpu[s] = pcpu;
        sKind[s] = kind;
        sName[s] = rows[o + NAME];
        sDom[s] = rows[o + DOM];
        sVcpu[s] = rows[o + VCPU];
        sA0[s] = rows[o + A0];
        sA1[s] = kind === LOST && rows[o + A1] === rows[o + A1] ? offset + Math.round(rows[o + A1] * k) : rows[o + A1];
        sA2[s] = rows[o + A2];
        sA3[s] = rows[o + A3];
        sStr[s] = rows[o + STR0];
        if (kind === LOST) this.lostStaged.push(s);
        s++;
      }
    }
    this.n = s;
    this.minNs = min;
    this.maxNs = max;
  }

  private countPcpu(pcpu: number, rows: number): void {
    if (pcpu + 1 >= this.pcpuRows.length) {
      const grown = new Float64Array(Math.max(pcpu + 2, this.pcpuRows.length * 2));
      grown.set(this.pcpuRows);
      this.pcpuRows = grown;
    }
    this.pcpuRows[pcpu + 1] += rows;
  }

  /** Copy the staged rows into the model, column by column; utid and stack are -1 (xentrace has neither). */
  write(): void {
    const n = this.n;
    if (n === 0) return;
    const ev = this.b.events;
    const r0 = ev.pushWritten(n);
    for (const j of this.lostStaged) this.lostRows.push(r0 + j);
    this.lostStaged.length = 0;
    // Fixed columns take the block as is; adaptive ones check it once and keep their narrow type
    // where the values allow (CPUs, domains, vCPUs, names; the argument words need Float64).
    const f = ev.fixed;
    const a = ev.adaptive;
    f.tsNs.set(this.ts.subarray(0, n), r0);
    f.kind.set(this.kind.subarray(0, n), r0);
    a.cpu.setMany(r0, this.cpu.subarray(0, n));
    a.utid.fill(-1, r0, r0 + n);
    a.name.setMany(r0, this.name.subarray(0, n));
    a.domain.setMany(r0, this.dom.subarray(0, n));
    a.vcpu.setMany(r0, this.vcpu.subarray(0, n));
    a.a0.setMany(r0, this.a0.subarray(0, n));
    a.a1.setMany(r0, this.a1.subarray(0, n));
    a.a2.setMany(r0, this.a2.subarray(0, n));
    a.a3.setMany(r0, this.a3.subarray(0, n));
    a.str0.setMany(r0, this.str0.subarray(0, n));
    a.stack.fill(-1, r0, r0 + n);
    this.n = 0;
  }

  /**
   * The builder will subtract the earliest row time (`t0`) from every row; loss start times
   * are times too, so they get the same shift here.
   */
  finishLost(t0: number): void {
    this.write();
    this.b.countBulk(this.kindRows, this.pcpuRows, this.minNs, this.maxNs);
    const a1 = this.b.events.adaptive.a1;
    for (const r of this.lostRows) a1.set(r, a1.get(r) - t0);
  }
}
