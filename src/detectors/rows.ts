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
const EMPTY = new Int32Array(0);
/** Per model, made once on first use: kind code → its rows in ascending order; null: not sparse. */
const memo = new WeakMap<TraceModel, Map<number, Int32Array> | null>();

function kindIndex(model: TraceModel): Map<number, Int32Array> | null {
  let index = memo.get(model);
  if (index !== undefined) return index;
  const counts = traceFacts(model).kindCounts;
  if (INDEXED.reduce((n, k) => n + (counts[k] ?? 0), 0) > SPARSE * model.events.kind.length) {
    memo.set(model, null);
    return null;
  }
  const slot = new Int8Array(256).fill(-1); // kind code → list, -1 = not indexed or absent
  const lists: Int32Array[] = [];
  index = new Map();
  for (const k of INDEXED) {
    const code = KINDS.indexOf(k);
    const n = counts[k] ?? 0;
    if (code < 0 || n === 0) continue;
    slot[code] = lists.length;
    lists.push(new Int32Array(n));
    index.set(code, lists[lists.length - 1]);
  }
  const fill = new Int32Array(lists.length);
  const kind = model.events.kind;
  const n = kind.length;
  for (let i = 0; i < n; i++) {
    const s = slot[kind[i]];
    if (s >= 0) lists[s][fill[s]++] = i;
  }
  memo.set(model, index);
  return index;
}

/**
 * Rows of the given kinds in row order (a k-way merge of the per-kind lists; k ≤ 4), or null when
 * the model has no index: then walk every row and skip the others by the model's `kindTable`.
 */
export function rowsOfKinds(model: TraceModel, kinds: readonly IndexedKind[]): Int32Array | null {
  const index = kindIndex(model);
  if (index === null) return null;
  const lists = kinds.map((k) => index.get(KINDS.indexOf(k)) ?? EMPTY).filter((l) => l.length > 0);
  if (lists.length === 0) return EMPTY;
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

/**
 * The column's values at `rows`, or the column itself when there is no index (`rows` null: then
 * row j is row j). Copying one column at a time is about twice as fast as reading the rows'
 * columns side by side: the reads are independent, so the CPU overlaps their cache misses.
 */
export function gather(column: ArrayLike<number>, rows: Int32Array | null): ArrayLike<number> {
  if (rows === null) return column;
  const out = new Float64Array(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = column[rows[j]];
  return out;
}

/** Kind of the record before row `i` on CPU `cpu` (undefined: none; -1 for an unknown CPU), searched backwards. */
export function prevKindOnCpu(model: TraceModel, i: number, cpu: number): number | undefined {
  if (cpu < 0) return -1;
  const c = model.events.cpu;
  for (let j = i - 1; j >= 0; j--) if (c[j] === cpu) return model.events.kind[j];
  return undefined;
}
