/**
 * Growable typed-array columns for the replay engine. A queue timeline can hold millions of
 * steps on a large capture; plain JS arrays of objects would cost ~10× the memory and the
 * GC time, so steps and intervals live in doubling Float64Array / Int32Array buffers.
 */

/**
 * A growable Float64 column; `n` values are valid. Unkept (`keep` false), it only counts: a
 * caller that needs the totals but not the series (the ring-full detector) pays nothing for it.
 */
export class F64 {
  n = 0;
  v: Float64Array;
  constructor(
    cap = 64,
    private readonly keep = true,
  ) {
    this.v = new Float64Array(keep ? cap : 0);
  }
  push(x: number): void {
    if (!this.keep) {
      this.n++;
      return;
    }
    if (this.n === this.v.length) {
      const next = new Float64Array(this.v.length * 2);
      next.set(this.v);
      this.v = next;
    }
    this.v[this.n++] = x;
  }
  /** The valid values as a view (no copy). */
  view(): Float64Array {
    return this.v.subarray(0, this.n);
  }
}

/**
 * A step function of time: `value[i]` holds from `t[i]` until `t[i + 1]` (or the end of the
 * trace). Zero before the first step. Only changes are stored, so several changes at one
 * timestamp leave one step with the last value.
 */
export class StepSeries {
  private readonly times: F64;
  private readonly values: F64;
  /** Current value (after the last step). */
  current = 0;
  max = 0;

  /** `keep` false: track the current value and the maximum only, store no steps. */
  constructor(keep = true) {
    this.times = new F64(64, keep);
    this.values = new F64(64, keep);
  }

  /** Move by `delta` at time `t` (events arrive in time order). */
  add(t: number, delta: number): void {
    this.set(t, this.current + delta);
  }

  set(t: number, value: number): void {
    this.current = value;
    if (value > this.max) this.max = value;
    const n = this.times.n;
    // Same timestamp: overwrite, so the series stays strictly increasing in time.
    if (n > 0 && n <= this.times.v.length && this.times.v[n - 1] === t) {
      this.values.v[n - 1] = value;
      return;
    }
    this.times.push(t);
    this.values.push(value);
  }

  get length(): number {
    return this.times.n;
  }

  get t(): Float64Array {
    return this.times.view();
  }

  get value(): Float64Array {
    return this.values.view();
  }

  /** The value holding at time `t` (binary search; 0 before the first step). */
  at(t: number): number {
    const ts = this.times.v;
    let lo = 0;
    let hi = this.times.n - 1;
    if (hi < 0 || t < ts[0]) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ts[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return this.values.v[lo];
  }

  /** Time-weighted mean over [from, to]. */
  mean(from: number, to: number): number {
    if (!(to > from)) return 0;
    const ts = this.times.v;
    const vs = this.values.v;
    let sum = 0;
    let prevT = from;
    let prevV = this.at(from);
    for (let i = 0; i < this.times.n; i++) {
      if (ts[i] <= from) continue;
      if (ts[i] >= to) break;
      sum += prevV * (ts[i] - prevT);
      prevT = ts[i];
      prevV = vs[i];
    }
    sum += prevV * (to - prevT);
    return sum / (to - from);
  }
}

/** Nearest-rank percentile of unsorted values (the definition the truth files use). */
export function nearestRank(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}
