import type { TraceModel } from '../model/trace-model.js';
import { gather } from './rows.js';
import type { TypedColumn } from './rows.js';

/** Grant ops closed by the next record on their pCPU, in the order they close (see timeOps). */
export interface TimedOps {
  starts: Float64Array;
  durs: Float64Array;
  counts: Float64Array;
  /** Ops on a known pCPU, closed or not (the last op on a pCPU may have no record after it). */
  opened: number;
}

/** Rows per search window of timeOps, and the rows a search should have left in it before it starts. */
const WINDOW = 65536;
const MARGIN = 1024;

/**
 * Times each op (rows `opRows`, ascending) as the gap to the next record on its pCPU, skipping rows
 * of kind `transparent` (records written inside the op), in the order the ops close (the caller's
 * floating-point sums and time window depend on it), as a walk over every row with an "op open"
 * slot per pCPU would. Instead of that walk, each op searches forward to the next record on its
 * pCPU (about as many rows as there are pCPUs), and the ops waiting for their closing row are kept
 * sorted by it and emitted once the ops pass it. Ops on an unknown pCPU (-1) are ignored.
 */
export function timeOps(model: TraceModel, opRows: Int32Array, countCol: TypedColumn, transparent: number, opTimes: ArrayLike<number> | null = null): TimedOps {
  const e = model.events;
  const cpu = e.cpu;
  const kind = e.kind;
  const n = kind.length;
  const opener = new Int32Array(opRows.length); // per closed op, in closing order: its index in opRows
  const closer = new Int32Array(opRows.length);
  let closed = 0;
  let opened = 0;
  // The ops' pCPUs, read once (reads of the model's columns cost ~2.6× a plain array's).
  const opCpu = new Int32Array(opRows.length);
  let maxCpu = -1;
  for (let j = 0; j < opRows.length; j++) maxCpu = Math.max(maxCpu, (opCpu[j] = cpu[opRows[j]]));
  // Last row on each pCPU with ops that could close one: after it, an op stays open (no search).
  const lastRow = new Int32Array(maxCpu + 1).fill(-1);
  const hasOp = new Uint8Array(maxCpu + 1);
  let wanted = 0;
  for (let j = 0; j < opRows.length; j++) {
    const c = opCpu[j];
    if (c >= 0 && hasOp[c] === 0) wanted += hasOp[c] = 1;
  }
  for (let i = n - 1; i >= 0 && wanted > 0; i--) {
    const c = cpu[i];
    if (c >= 0 && c <= maxCpu && hasOp[c] === 1 && lastRow[c] < 0 && kind[i] !== transparent) {
      lastRow[c] = i;
      wanted--;
    }
  }
  // Ops whose closing row lies ahead, sorted by it: at most one per pCPU.
  const pendClose = new Int32Array(maxCpu + 1);
  const pendOpen = new Int32Array(maxCpu + 1);
  let pending = 0;
  // The searches read cpu and kind through plain copies of a window of rows [winStart, winEnd) (a
  // read of the model's columns costs ~2.6× a plain array's); one running past it goes on in the columns.
  const winCpu = new Int32Array(Math.min(WINDOW, n));
  const winKind = new Uint8Array(Math.min(WINDOW, n));
  let winStart = 0;
  let winEnd = 0;
  for (let j = 0; j < opRows.length; j++) {
    const o = opRows[j];
    const c = opCpu[j];
    if (c < 0) continue;
    opened++;
    let done = 0;
    while (done < pending && pendClose[done] <= o) {
      opener[closed] = pendOpen[done];
      closer[closed++] = pendClose[done++];
    }
    if (done > 0) {
      // At most one op per pCPU waits: a shift by hand beats two copyWithin calls per op.
      for (let p = done; p < pending; p++) {
        pendClose[p - done] = pendClose[p];
        pendOpen[p - done] = pendOpen[p];
      }
      pending -= done;
    }
    if (lastRow[c] <= o) continue;
    let i = o + 1;
    if (i + MARGIN > winEnd) {
      winStart = i;
      winEnd = Math.min(n, i + WINDOW);
      winCpu.set(cpu.subarray(winStart, winEnd));
      winKind.set(kind.subarray(winStart, winEnd));
    }
    while (i < winEnd && (winCpu[i - winStart] !== c || winKind[i - winStart] === transparent)) i++;
    if (i >= winEnd) while (cpu[i] !== c || kind[i] === transparent) i++;
    let at = pending++;
    for (; at > 0 && pendClose[at - 1] > i; at--) {
      pendClose[at] = pendClose[at - 1];
      pendOpen[at] = pendOpen[at - 1];
    }
    pendClose[at] = i;
    pendOpen[at] = j;
  }
  for (let p = 0; p < pending; p++) {
    opener[closed] = pendOpen[p];
    closer[closed++] = pendClose[p];
  }
  // Times (`opTimes`: the ops' times when the caller has them) and counts gathered (a read per op
  // of a wide column misses the cache): the ops' rows are ascending, and so are the closing rows,
  // in closing order.
  const opTs = opTimes ?? gather(e.tsNs, opRows);
  const opCount = gather(countCol, opRows);
  const closeTs = gather(e.tsNs, closer.subarray(0, closed));
  const out: TimedOps = { starts: new Float64Array(closed), durs: new Float64Array(closed), counts: new Float64Array(closed), opened };
  for (let k = 0; k < closed; k++) {
    const j = opener[k];
    out.starts[k] = opTs[j];
    out.durs[k] = closeTs[k] - opTs[j];
    out.counts[k] = opCount[j];
  }
  return out;
}

/**
 * Fraction of grant-op busy time during which two or more pCPUs were in a grant op: a sweep over
 * the start (+1) and end (-1) edges in time order, ends first at equal times. The starts and the
 * ends are sorted apart as typed arrays and merged, the same sequence as sorting [time, ±1] pairs
 * with a comparator at a fraction of the cost (xentrace has ~10^6 ops); a NaN time has no order,
 * so then the pairs are sorted as before.
 */
export function overlapFraction(starts: Float64Array, durs: Float64Array): number {
  const begin = starts.slice();
  const end = new Float64Array(starts.length);
  for (let j = 0; j < starts.length; j++) end[j] = starts[j] + durs[j];
  for (let j = 0; j < starts.length; j++) if (Number.isNaN(end[j]) || Number.isNaN(begin[j])) return overlapBySort(starts, durs);
  sortNearlySorted(begin);
  sortNearlySorted(end);
  let active = 0, prev = 0, any = 0, multi = 0;
  for (let b = 0, x = 0; b < begin.length || x < end.length; ) {
    const closing = b >= begin.length || (x < end.length && end[x] <= begin[b]);
    const t = closing ? end[x++] : begin[b++];
    if (active >= 1) any += t - prev;
    if (active >= 2) multi += t - prev;
    active += closing ? -1 : 1;
    prev = t;
  }
  return any > 0 ? multi / any : 0;
}

function overlapBySort(starts: Float64Array, durs: Float64Array): number {
  const edges: [number, number][] = [];
  for (let j = 0; j < starts.length; j++) edges.push([starts[j], 1], [starts[j] + durs[j], -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let active = 0, prev = 0, any = 0, multi = 0;
  for (const [t, d] of edges) {
    if (active >= 1) any += t - prev;
    if (active >= 2) multi += t - prev;
    active += d;
    prev = t;
  }
  return any > 0 ? multi / any : 0;
}

/**
 * Sorts ascending. Op starts listed in closing order (and ends, the close times) are out of order
 * by at most a few pCPUs' worth of places, where an insertion sort is linear; past a budget of
 * moves the input is not like that, and the native sort finishes the job.
 */
function sortNearlySorted(a: Float64Array): void {
  let budget = 16 * a.length;
  for (let i = 1; i < a.length; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
    budget -= i - 1 - j;
    if (budget < 0) {
      a.sort();
      return;
    }
  }
}
