import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';

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
/** Bursts at least this long are copied column by column with TypedArray.set. */
const BLOCK = 48;

/** One pCPU's decoded records awaiting the merge: a growable FIFO of columns. */
export class RowQueue {
  head = 0;
  tail = 0;
  tick = new Float64Array(1024);
  kind = new Uint8Array(1024);
  name = new Int32Array(1024);
  dom = new Int32Array(1024);
  vcpu = new Int32Array(1024);
  a0 = new Float64Array(1024);
  a1 = new Float64Array(1024);
  a2 = new Float64Array(1024);
  a3 = new Float64Array(1024);
  str0 = new Int32Array(1024);

  /** Reserve a row at the tail; the caller writes every column. */
  push(): number {
    if (this.tail === this.tick.length) this.makeRoom();
    return this.tail++;
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** Rows logged before this pCPU's first TSC take that TSC (every queued row is one of them). */
  fillTicks(tick: number): void {
    for (let i = this.head; i < this.tail; i++) if (this.tick[i] !== this.tick[i]) this.tick[i] = tick;
  }

  private makeRoom(): void {
    const live = this.tail - this.head;
    const cap = live * 2 > this.tick.length ? this.tick.length * 2 : this.tick.length;
    for (const k of ['tick', 'kind', 'name', 'dom', 'vcpu', 'a0', 'a1', 'a2', 'a3', 'str0'] as const) {
      const old = this[k];
      const next = cap === old.length ? old : new (old.constructor as Float64ArrayConstructor)(cap);
      next.set(old.subarray(this.head, this.tail));
      (this as Record<string, unknown>)[k] = next;
    }
    this.head = 0;
    this.tail = live;
  }
}

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
  private lostDone = 0;
  private forced = false;
  private heap = new Int32Array(0);
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
    if (!boundary) return;
    let w = Infinity;
    for (let p = 0; p < this.queues.length; p++) {
      const t = this.lastTick[p];
      if (t === t) w = Math.min(w, t);
      else if (this.queues[p].size > 0) w = -Infinity; // rows still waiting for their pCPU's first TSC
    }
    if (w > this.watermark) this.watermark = w;
    this.flush(this.watermark);
    for (let staged = this.staged(); staged > STAGED_MAX; ) {
      // Memory bound: stop waiting for pCPUs that have nothing queued.
      this.forced = true;
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

  get forcedOrder(): boolean {
    return this.forced;
  }

  /** Emit queued rows with tick ≤ w in tick order (ties: lower pCPU first, like xenalyze). */
  private flush(w: number): void {
    const qs = this.queues;
    if (this.heap.length < qs.length) this.heap = new Int32Array(qs.length * 2);
    this.size = 0;
    for (let p = 0; p < qs.length; p++) if (qs[p].size > 0 && qs[p].tick[qs[p].head] <= w) this.push(p);
    while (this.size > 0) {
      const p = this.pop();
      const q = qs[p];
      const rival = this.size > 0 ? this.heap[0] : -1;
      const rt = rival >= 0 ? qs[rival].tick[qs[rival].head] : Infinity;
      const limit = Math.min(w, rt);
      // The popped pCPU writes a burst: every row up to the runner-up's next one.
      let i = q.head;
      const end = q.tail;
      while (i < end && (q.tick[i] < limit || (q.tick[i] === limit && (q.tick[i] < rt || p < rival)))) i++;
      this.emit(q, q.head, i, p);
      q.head = i;
      if (q.head === q.tail) q.head = q.tail = 0;
      else if (q.tick[q.head] <= w) this.push(p);
    }
  }

  /**
   * Append queue rows [from, to) of one pCPU to the model. Every event column is written here
   * (utid and stack are -1: xentrace has neither), long bursts with block copies.
   */
  private emit(q: RowQueue, from: number, to: number, pcpu: number): void {
    const ev = this.b.events;
    const row0 = ev.length;
    for (let i = from; i < to; i++) ev.push();
    const c = ev.cols;
    const k = this.time.nsPerTick;
    const offset = this.time.offset;
    const tick = q.tick;
    const kind = q.kind;
    for (let i = from, r = row0; i < to; i++, r++) {
      const t = tick[i];
      if (t < this.lastOut) this.late++;
      else this.lastOut = t;
      c.tsNs[r] = offset + Math.round(t * k);
      c.cpu[r] = pcpu;
      c.utid[r] = -1;
      c.stack[r] = -1;
      if (kind[i] === LOST) this.lostRows.push(r);
    }
    if (to - from >= BLOCK) {
      c.kind.set(kind.subarray(from, to), row0);
      c.name.set(q.name.subarray(from, to), row0);
      c.domain.set(q.dom.subarray(from, to), row0);
      c.vcpu.set(q.vcpu.subarray(from, to), row0);
      c.a0.set(q.a0.subarray(from, to), row0);
      c.a1.set(q.a1.subarray(from, to), row0);
      c.a2.set(q.a2.subarray(from, to), row0);
      c.a3.set(q.a3.subarray(from, to), row0);
      c.str0.set(q.str0.subarray(from, to), row0);
    } else {
      for (let i = from, r = row0; i < to; i++, r++) {
        c.kind[r] = kind[i];
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
    // A loss start (a1 of LOST_RECORDS) is a time like the row's: the same conversion.
    for (let j = this.lostDone; j < this.lostRows.length; j++) {
      const r = this.lostRows[j];
      if (c.a1[r] === c.a1[r]) c.a1[r] = offset + Math.round(c.a1[r] * k);
    }
    this.lostDone = this.lostRows.length;
  }

  private before(p: number, q: number): boolean {
    const tp = this.queues[p].tick[this.queues[p].head];
    const tq = this.queues[q].tick[this.queues[q].head];
    return tp < tq || (tp === tq && p < q);
  }

  private push(p: number): void {
    const heap = this.heap;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(p, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = p;
  }

  private pop(): number {
    const heap = this.heap;
    const top = heap[0];
    const last = heap[--this.size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.before(heap[child + 1], heap[child])) child++;
      if (!this.before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
