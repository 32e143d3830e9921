/**
 * Growable typed-array columns. A column set grows all its columns together, doubling
 * capacity, so appends stay amortised O(1) and the final arrays are trimmed views.
 */

export type TypedArray = Float64Array | Int32Array | Uint8Array;
type TypedArrayCtor = Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

export type ColumnSpec = Readonly<Record<string, TypedArrayCtor>>;
export type Columns<S extends ColumnSpec> = { [K in keyof S]: InstanceType<S[K]> };

export class ColumnSet<S extends ColumnSpec> {
  length = 0;
  private capacity: number;
  cols: Columns<S>;

  constructor(
    private readonly spec: S,
    initialCapacity = 1024,
  ) {
    this.capacity = initialCapacity;
    this.cols = ColumnSet.allocate(spec, initialCapacity);
  }

  private static allocate<S extends ColumnSpec>(spec: S, n: number): Columns<S> {
    const out: Record<string, TypedArray> = {};
    for (const [name, Ctor] of Object.entries(spec)) out[name] = new Ctor(n);
    return out as Columns<S>;
  }

  /** Reserve one row and return its index; callers then write each column at that index. */
  push(): number {
    if (this.length === this.capacity) this.grow();
    return this.length++;
  }

  private grow(): void {
    const next = ColumnSet.allocate(this.spec, this.capacity * 2);
    for (const name of Object.keys(this.spec) as (keyof S)[]) {
      (next[name] as TypedArray).set(this.cols[name] as TypedArray);
    }
    this.cols = next;
    this.capacity *= 2;
  }

  /** Views of exactly `length` rows (no copy). */
  trimmed(): Columns<S> {
    const out: Record<string, TypedArray> = {};
    for (const name of Object.keys(this.spec)) {
      out[name] = (this.cols[name] as TypedArray).subarray(0, this.length);
    }
    return out as Columns<S>;
  }
}
