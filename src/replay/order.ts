import { KIND_CODE } from '../model/schema.js';
import type { Kind } from '../model/schema.js';

/**
 * What every replay pass shares: the events in time order, the trace's span, and a table of
 * the kinds a pass reads (so the others cost one lookup each — a 300 MB xentrace file has
 * 15.6 M events and a pass reads a few of its kinds).
 */

/** Orders already worked out, per time column: several passes read the same model. */
const orders = new WeakMap<Float64Array, Uint32Array | null>();

/** Event indices in time order: null (the identity) when the parser already emitted them sorted. */
export function timeOrder(ts: Float64Array): Uint32Array | null {
  if (orders.has(ts)) return orders.get(ts) as Uint32Array | null;
  let order: Uint32Array | null = null;
  for (let i = 1; i < ts.length; i++) {
    if (ts[i] < ts[i - 1]) {
      order = new Uint32Array(ts.length);
      for (let j = 0; j < order.length; j++) order[j] = j;
      // Stable for equal times because Array.prototype.sort is stable on the index tie-break.
      const sorting = order;
      sorting.sort((a, b) => ts[a] - ts[b] || a - b);
      break;
    }
  }
  orders.set(ts, order);
  return order;
}

/** First and last timestamp in time order (NaN when no event has one). */
export function span(ts: ArrayLike<number>, order: Uint32Array | null): [number, number] {
  const at = (j: number) => ts[order === null ? j : order[j]];
  let first = 0;
  while (first < ts.length && at(first) !== at(first)) first++;
  let last = ts.length - 1;
  while (last >= 0 && at(last) !== at(last)) last--;
  return first < ts.length ? [at(first), at(last)] : [NaN, NaN];
}

/** A 256-entry table: 1 for the kinds a pass reads. */
export function kindTable(kinds: readonly Kind[]): Uint8Array {
  const table = new Uint8Array(256);
  for (const k of kinds) table[KIND_CODE[k]] = 1;
  return table;
}
