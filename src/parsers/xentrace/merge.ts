import type { TraceBuilder } from '../../model/builder.js';
import type { Timebase } from './model-rows.js';
import { ModelRows } from './model-rows.js';
import { RowQueue, STRIDE } from './row-queue.js';

export type { Timebase } from './model-rows.js';

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
const BURSTS = 4096;

export class Merger {
  readonly queues: RowQueue[] = [];
  /** Last tick seen per pCPU (NaN: none yet), kept by the decoder. */
  lastTick = new Float64Array(0);
  late = 0;
  /** Where merged rows go: the one writer of event rows (see model-rows). */
  readonly rows: ModelRows;
  private lastOut = -Infinity;
  private lastWindowPcpu = -1;
  private watermark = -Infinity;
  private inPass = new Uint8Array(0);
  private heap = new Int32Array(0);
  private keys = new Float64Array(0);
  private size = 0;
  /** Bursts found by flush, copied by the model writer in one go. */
  private readonly burstPcpu = new Int32Array(BURSTS);
  private readonly burstFrom = new Int32Array(BURSTS);
  private readonly burstTo = new Int32Array(BURSTS);

  constructor(b: TraceBuilder, time: Timebase) {
    this.rows = new ModelRows(b, time);
  }

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
    this.rows.write();
  }

  /** No record still to be merged can be earlier than this (-Infinity before the first pass ends). */
  get floor(): number {
    return this.watermark;
  }

  /**
   * Emit queued rows with tick ≤ w in tick order (ties: lower pCPU first, like xenalyze). The
   * popped pCPU hands a burst — every row up to the runner-up's next one — to the model writer.
   */
  private flush(w: number): void {
    const qs = this.queues;
    if (this.heap.length < qs.length) {
      this.heap = new Int32Array(qs.length * 2);
      this.keys = new Float64Array(qs.length * 2);
    }
    this.size = 0;
    for (let p = 0; p < qs.length; p++) if (qs[p].size > 0 && qs[p].headTick <= w) this.push(p, qs[p].headTick);
    if (this.size === 0) return;
    let lastOut = this.lastOut;
    let nb = 0;
    const bp = this.burstPcpu, bf = this.burstFrom, bt = this.burstTo;
    const heap = this.heap, keys = this.keys;
    while (this.size > 0) {
      const p = heap[0];
      const q = qs[p];
      // The runner-up is the smaller child of the root; the root is replaced or removed after
      // its burst (one sift-down instead of a pop and a push).
      const size = this.size;
      let c = 1;
      if (size > 2 && (keys[2] < keys[1] || (keys[2] === keys[1] && heap[2] < heap[1]))) c = 2;
      const rival = size > 1 ? heap[c] : -1;
      const rt = size > 1 ? keys[c] : Infinity;
      const limit = Math.min(w, rt);
      const rows = q.rows;
      let own = q.lastOut;
      const head = q.head;
      let i = head;
      const end = q.tail;
      for (; i < end; i++) {
        const t = rows[i * STRIDE];
        if (!(t < limit || (t === limit && (t < rt || p < rival)))) break;
        // Late = earlier than rows already written, unless its own pCPU's TSC stepped back (reported apart).
        if (t < lastOut && t >= own) this.late++;
        if (t > lastOut) lastOut = t;
        own = t;
      }
      if (i > head) {
        bp[nb] = p;
        bf[nb] = head;
        bt[nb] = i;
        if (++nb === BURSTS) {
          this.rows.add(qs, bp, bf, bt, nb);
          nb = 0;
        }
      }
      q.lastOut = own;
      q.head = i;
      if (i < end && rows[i * STRIDE] <= w) this.siftDown(p, rows[i * STRIDE], size);
      else {
        if (i === end) q.head = q.tail = 0;
        this.size = size - 1;
        this.siftDown(heap[size - 1], keys[size - 1], size - 1);
      }
    }
    this.lastOut = lastOut;
    this.rows.add(qs, bp, bf, bt, nb); // before the decoder writes to the queues again
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

  /** Put pCPU p with `key` at the root of a heap of `size` entries and restore the heap order. */
  private siftDown(p: number, key: number, size: number): void {
    const heap = this.heap;
    const keys = this.keys;
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
