import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';
import { RowQueue } from './row-queue.js';

/**
 * The k-way merge by TSC, done incrementally. Decoded records wait in one small queue per pCPU
 * (time-ordered: within a pCPU, windows come in time order, FORMATS.md §3.1) and are written
 * to the model once no pCPU can still produce an earlier record.
 *
 * When is that? xentrace writes the file in passes: each pass visits the pCPUs in ascending
 * order and writes one window per buffer holding data, so a window whose pCPU is not above the
 * previous window's starts a new pass. Every record in a later pass was logged after its
 * buffer was drained in the pass before, which is after that pass's watermark = the smallest
 * "last TSC seen" over all pCPUs (each pCPU's later records follow its last one). So at each
 * pass boundary everything up to the finished pass's watermark is written, in TSC order. The
 * decision depends on the file's window structure only, never on how it was chunked, and the
 * queues hold about one pass.
 *
 * A pCPU that stays silent holds the watermark back; past STAGED_MAX queued rows the merge
 * stops waiting for silent pCPUs (those with nothing queued). Should one of them later log a
 * record older than rows already written, it is written late and counted.
 */
const STAGED_MAX = 1 << 20;
const LOST = KIND_CODE.lost;
// Bursts at least this long are copied with TypedArray.set; shorter ones row by row.
const BULK_ROWS = 64;

/** How queued ticks become model time: tsNs = offset + round(tick × nsPerTick). */
export interface Timebase {
  nsPerTick: number;
  offset: number;
}

export class Merger {
  readonly queues: RowQueue[] = [];
  /** Last tick seen per pCPU (NaN: none yet), kept by the decoder. */
  lastTick = new Float64Array(0);
  late = 0;
  /** Model rows of LOST_RECORDS, whose a1 (a tick) is converted to ns like the row time. */
  readonly lostRows: number[] = [];
  private lastOut = -Infinity;
  private lastWindowPcpu = -1;
  private watermark = -Infinity;
  private inPass = new Uint8Array(0);
  private lostDone = 0;
  private heap = new Int32Array(0);
  private keys = new Float64Array(0);
  private size = 0;

  constructor(
    private readonly b: TraceBuilder,
    private readonly time: Timebase,
  ) {}

  queue(pcpu: number): RowQueue {
    while (this.queues.length <= pcpu) this.queues.push(new RowQueue());
    if (this.lastTick.length <= pcpu) {
      const grown = new Float64Array(Math.max(pcpu + 1, this.lastTick.length * 2)).fill(NaN);
      grown.set(this.lastTick);
      this.lastTick = grown;
    }
    return this.queues[pcpu];
  }

  /** A window of `pcpu` starts: at a pass boundary, write out what no pCPU can precede any more. */
  windowStart(pcpu: number): void {
    const boundary = pcpu <= this.lastWindowPcpu;
    this.lastWindowPcpu = pcpu;
    if (boundary) {
      const w = this.passWatermark();
      if (w > this.watermark) this.watermark = w;
      this.inPass.fill(0);
      this.flush(this.watermark);
      this.bound();
    }
    if (this.inPass.length <= pcpu) {
      const grown = new Uint8Array(Math.max(pcpu + 1, this.inPass.length * 2));
      grown.set(this.inPass);
      this.inPass = grown;
    }
    this.inPass[pcpu] = 1;
  }

  /**
   * The earliest time any pCPU can still log, given the pass just finished: a pCPU with a window
   * in it logs after its last record; one without had an empty buffer when the pass reached it,
   * i.e. after the pass had read every lower pCPU, so it logs after the latest of their records.
   */
  private passWatermark(): number {
    let w = Infinity;
    let below = -Infinity;
    for (let p = 0; p < this.queues.length; p++) {
      const t = this.lastTick[p];
      if (t !== t && this.queues[p].size > 0) return -Infinity; // rows still waiting for their pCPU's first TSC
      if (this.inPass[p] === 1 && t === t) below = Math.max(below, t);
      w = Math.min(w, below);
    }
    return w;
  }

  /** Memory bound: past STAGED_MAX queued rows, stop waiting for pCPUs with nothing queued. */
  private bound(): void {
    for (let staged = this.staged(); staged > STAGED_MAX; ) {
      let w2 = Infinity;
      for (let p = 0; p < this.queues.length; p++) {
        if (this.queues[p].size > 0 && this.lastTick[p] === this.lastTick[p]) w2 = Math.min(w2, this.lastTick[p]);
      }
      this.flush(w2);
      const left = this.staged();
      if (left === staged) break; // only rows still waiting for a first TSC
      staged = left;
    }
  }

  private staged(): number {
    let n = 0;
    for (const q of this.queues) n += q.size;
    return n;
  }

  /** At the end: everything, rows of pCPUs that never logged a TSC at the earliest time. */
  flushAll(minTick: number): void {
    for (const q of this.queues) q.fillTicks(minTick);
    this.flush(Infinity);
  }

  /** No record still to be merged can be earlier than this (-Infinity before the first pass ends). */
  get floor(): number {
    return this.watermark;
  }

  /**
   * Emit queued rows with tick ≤ w in tick order (ties: lower pCPU first, like xenalyze). The
   * popped pCPU writes a burst — every row up to the runner-up's next one — straight into the
   * model's columns (held in locals, refetched only when the model grows). Every event column is
   * written here; utid and stack are -1 (xentrace has neither).
   */
  private flush(w: number): void {
    const qs = this.queues;
    if (this.heap.length < qs.length) {
      this.heap = new Int32Array(qs.length * 2);
      this.keys = new Float64Array(qs.length * 2);
    }
    this.size = 0;
    for (let p = 0; p < qs.length; p++) if (qs[p].size > 0 && qs[p].tick[qs[p].head] <= w) this.push(p, qs[p].tick[qs[p].head]);
    if (this.size === 0) return;
    const ev = this.b.events;
    const k = this.time.nsPerTick;
    const offset = this.time.offset;
    let lastOut = this.lastOut;
    while (this.size > 0) {
      const p = this.heap[0];
      const q = qs[p];
      this.pop();
      const rival = this.size > 0 ? this.heap[0] : -1;
      const rt = rival >= 0 ? this.keys[0] : Infinity;
      const limit = Math.min(w, rt);
      const tick = q.tick;
      let own = q.lastOut;
      const head = q.head;
      let i = head;
      const end = q.tail;
      // Find the burst first, then write it in one go (see emit).
      for (; i < end; i++) {
        const t = tick[i];
        if (!(t < limit || (t === limit && (t < rt || p < rival)))) break;
        // Late = earlier than rows already written, unless its own pCPU's TSC stepped back (reported apart).
        if (t < lastOut && t >= own) this.late++;
        if (t > lastOut) lastOut = t;
        own = t;
      }
      const n = i - head;
      if (n > 0) this.emit(q, p, head, n, offset, k);
      q.lastOut = own;
      q.head = i;
      if (i === end) q.head = q.tail = 0;
      else if (tick[i] <= w) this.push(p, tick[i]);
    }
    this.lastOut = lastOut;
    if (this.lostRows.length > this.lostDone) this.convertLost();
  }

  /**
   * Write queue rows [head, head + n) of pCPU p to the model. Long bursts are copied column
   * by column (TypedArray.set is a memcpy); short ones, the common case when pCPUs
   * interleave finely, are stored row by row, where 13 subarray views would cost more.
   */
  private emit(q: RowQueue, p: number, head: number, n: number, offset: number, k: number): void {
    const ev = this.b.events;
    const r0 = ev.pushMany(n);
    const c = ev.cols;
    const end = head + n;
    for (let j = 0; j < n; j++) c.tsNs[r0 + j] = offset + Math.round(q.tick[head + j] * k);
    if (n >= BULK_ROWS) {
      c.cpu.fill(p, r0, r0 + n);
      c.utid.fill(-1, r0, r0 + n);
      c.stack.fill(-1, r0, r0 + n);
      c.kind.set(q.kind.subarray(head, end), r0);
      c.name.set(q.name.subarray(head, end), r0);
      c.domain.set(q.dom.subarray(head, end), r0);
      c.vcpu.set(q.vcpu.subarray(head, end), r0);
      c.a0.set(q.a0.subarray(head, end), r0);
      c.a1.set(q.a1.subarray(head, end), r0);
      c.a2.set(q.a2.subarray(head, end), r0);
      c.a3.set(q.a3.subarray(head, end), r0);
      c.str0.set(q.str0.subarray(head, end), r0);
    } else {
      for (let i = head, r = r0; i < end; i++, r++) {
        c.cpu[r] = p;
        c.utid[r] = -1;
        c.stack[r] = -1;
        c.kind[r] = q.kind[i];
        c.name[r] = q.name[i];
        c.domain[r] = q.dom[i];
        c.vcpu[r] = q.vcpu[i];
        c.a0[r] = q.a0[i];
        c.a1[r] = q.a1[i];
        c.a2[r] = q.a2[i];
        c.a3[r] = q.a3[i];
        c.str0[r] = q.str0[i];
      }
    }
    for (let j = 0; j < n; j++) if (q.kind[head + j] === LOST) this.lostRows.push(r0 + j);
  }

  /** A loss start (a1 of LOST_RECORDS) is a time like the row's: the same conversion. */
  private convertLost(): void {
    const a1 = this.b.events.cols.a1;
    for (let j = this.lostDone; j < this.lostRows.length; j++) {
      const r = this.lostRows[j];
      if (a1[r] === a1[r]) a1[r] = this.time.offset + Math.round(a1[r] * this.time.nsPerTick);
    }
    this.lostDone = this.lostRows.length;
  }

  /** Heap entries are pCPUs keyed by their next row's tick (kept beside them: no lookups). */
  private push(p: number, key: number): void {
    const heap = this.heap;
    const keys = this.keys;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent];
      if (pk < key || (pk === key && heap[parent] < p)) break;
      heap[i] = heap[parent];
      keys[i] = pk;
      i = parent;
    }
    heap[i] = p;
    keys[i] = key;
  }

  private pop(): void {
    const heap = this.heap;
    const keys = this.keys;
    const size = --this.size;
    const p = heap[size];
    const key = keys[size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && (keys[child + 1] < keys[child] || (keys[child + 1] === keys[child] && heap[child + 1] < heap[child]))) child++;
      if (key < keys[child] || (key === keys[child] && p < heap[child])) break;
      heap[i] = heap[child];
      keys[i] = keys[child];
      i = child;
    }
    heap[i] = p;
    keys[i] = key;
  }
}
