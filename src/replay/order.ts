
/**
 * What every replay pass shares: the events in time order (worked out once per model) and the
 * trace's span. Passes skip the kinds they do not read with the model's `kindTable`.
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
