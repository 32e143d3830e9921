import { KINDS } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';
import { traceFacts } from './trace-facts.js';

/**
 * Row indices of the event kinds the detectors walk, made in one pass over the kind column and
 * shared, so that each detector visits only its own rows instead of scanning every event (a
 * xentrace capture has 15 M rows, a few hundred thousand of them IRQs or syscalls, and column
 * reads on the model's resizable buffers are slow enough for the scans to cost more than the
 * work). Only these kinds are indexed: an index of every row would cost 4 bytes per event. And
 * only when they are sparse (≤ 1/4 of the rows): where they are most of the trace (an ftrace
 * capture of syscalls) the index would save little scanning and add its size to peak memory, so
 * then there is none and detectors scan every row with the model's `kindTable`.
 */
const INDEXED = ['hypercall', 'grant_op', 'syscall_enter', 'syscall_exit', 'tlb_flush', 'irq_entry', 'irq_exit', 'softirq_entry', 'softirq_exit'] as const;
type IndexedKind = (typeof INDEXED)[number];
/** Indexed rows at most this fraction of all rows, or no index. */
const SPARSE = 0.25;
/** Rows per block of the passes that copy a column's rows into a plain array first. */
const BLOCK = 16384;
/** A block with fewer than one wanted row per this many rows is read row by row (see gather). */
const FEW = 256;
/** A model column: a typed array (gather copies blocks of it with set/subarray). */
export type TypedColumn = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** The index: per indexed kind code, its rows in ascending order (4 bytes per indexed row). */
type KindIndex = Map<number, Int32Array>;
/** Per model, made once on first use; null: not sparse. */
const memo = new WeakMap<TraceModel, KindIndex | null>();

/**
 * The index being made: kind code → list (-1: not indexed), the lists, and how far each is
 * filled. A pass fills row r of kind k as `s = slot[k]; if (s >= 0) rows[s][fill[s]++] = r`.
 */
export interface IndexFill {
  slot: Int8Array;
  rows: Int32Array[];
  fill: Int32Array;
  index: KindIndex;
}

/**
 * For a pass that reads every row in row order anyway (the xen section's, which runs before the
 * detectors): the empty index to fill as it goes, handed back with `indexFilled` once every row
 * was seen; that saves the detectors their own pass over the 15 M rows. Null when the index is
 * made already or there will be none.
 */
export function indexToFill(model: TraceModel): IndexFill | null {
  if (memo.has(model)) return null;
  const counts = traceFacts(model).kindCounts;
  if (INDEXED.reduce((n, k) => n + (counts[k] ?? 0), 0) > SPARSE * model.events.kind.length) {
    memo.set(model, null);
    return null;
  }
  const index: KindIndex = new Map();
  const fill: IndexFill = { slot: new Int8Array(256).fill(-1), rows: [], fill: new Int32Array(0), index };
  for (const k of INDEXED) {
    const code = KINDS.indexOf(k);
    const n = counts[k] ?? 0;
    if (code < 0 || n === 0) continue;
    fill.slot[code] = fill.rows.length;
    fill.rows.push(new Int32Array(n));
    index.set(code, fill.rows[fill.rows.length - 1]);
  }
  fill.fill = new Int32Array(fill.rows.length);
  return fill;
}

/** The index `indexToFill` gave, every row seen. */
export function indexFilled(model: TraceModel, fill: IndexFill): void {
  memo.set(model, fill.index);
}

function kindIndex(model: TraceModel): KindIndex | null {
  const known = memo.get(model);
  if (known !== undefined) return known;
  const made = indexToFill(model);
  if (made === null) return null;
  const { slot, rows, fill } = made;
  const e = model.events;
  const n = e.kind.length;
  // Through plain block copies: a read of the model's column costs ~2.6× a plain array's.
  const B = Math.min(n, BLOCK);
  const kinds = new Uint8Array(B);
  for (let start = 0; start < n; start += B) {
    const m = Math.min(B, n - start);
    kinds.set(e.kind.subarray(start, start + m));
    for (let b = 0; b < m; b++) {
      const s = slot[kinds[b]];
      if (s >= 0) rows[s][fill[s]++] = start + b;
    }
  }
  memo.set(model, made.index);
  return made.index;
}

/**
 * Rows of the given kinds in ascending order, or null when the model has no index: then walk
 * every row and skip the others by the model's `kindTable`.
 */
export function rowsOfKinds(model: TraceModel, kinds: readonly IndexedKind[]): Int32Array | null {
  const index = kindIndex(model);
  if (index === null) return null;
  const lists = kinds.map((k) => index.get(KINDS.indexOf(k))).filter((l): l is Int32Array => l !== undefined && l.length > 0);
  if (lists.length === 0) return new Int32Array(0);
  if (lists.length === 1) return lists[0];
  const out = new Int32Array(lists.reduce((n, l) => n + l.length, 0));
  const at = new Int32Array(lists.length);
  for (let o = 0; o < out.length; o++) {
    let best = -1;
    let row = 0x7fffffff;
    for (let j = 0; j < lists.length; j++) {
      if (at[j] < lists[j].length && lists[j][at[j]] < row) {
        row = lists[j][at[j]];
        best = j;
      }
    }
    out[o] = row;
    at[best]++;
  }
  return out;
}

/** Indexed rows in row order with their time and a0, the wide columns most detectors read. */
export interface IndexedRows {
  rows: Int32Array;
  tsNs: ArrayLike<number>;
  a0: ArrayLike<number>;
}

/** Rows of the given kinds with their time and a0 gathered (see gather); null when the model has no index. */
export function indexedRows(model: TraceModel, kinds: readonly IndexedKind[]): IndexedRows | null {
  const rows = rowsOfKinds(model, kinds);
  if (rows === null) return null;
  return { rows, tsNs: gather(model.events.tsNs, rows), a0: gather(model.events.a0, rows) };
}

/**
 * The column's values at `rows` (ascending), or the column itself when there is no index (`rows`
 * null: then row j is row j). The rows are spread over the whole trace (an IRQ every 30 rows), so
 * reading them one by one misses the cache at nearly every read of a wide column; instead the
 * column is copied block by block (TypedArray.set: a streaming copy the prefetcher keeps up
 * with) into a plain array the rows are picked from, 2× faster for a Float64 column. A block
 * holding only a few rows is read directly. One column at a time: the reads of one column are
 * independent, so the CPU overlaps their misses.
 */
export function gather(column: TypedColumn, rows: Int32Array | null): ArrayLike<number> {
  if (rows === null) return column;
  const out = new Float64Array(rows.length);
  const block = new Float64Array(Math.min(BLOCK, column.length));
  const n = column.length;
  for (let j = 0; j < rows.length; ) {
    const start = rows[j];
    const end = Math.min(start + block.length, n);
    let last = j;
    while (last < rows.length && rows[last] < end) last++;
    if ((last - j) * FEW < end - start) {
      for (; j < last; j++) out[j] = column[rows[j]];
      continue;
    }
    block.set(column.subarray(start, end));
    for (; j < last; j++) out[j] = block[rows[j] - start];
  }
  return out;
}

/** Kind of the record before row `i` on CPU `cpu` (undefined: none; -1 for an unknown CPU), searched backwards. */
export function prevKindOnCpu(model: TraceModel, i: number, cpu: number): number | undefined {
  if (cpu < 0) return -1;
  const c = model.events.cpu;
  for (let j = i - 1; j >= 0; j--) if (c[j] === cpu) return model.events.kind[j];
  return undefined;
}
