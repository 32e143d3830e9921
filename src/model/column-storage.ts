/**
 * A column's bytes (`Storage`: a typed array growing in place on a resizable ArrayBuffer) and
 * the adaptive columns built on it: `IntColumn` (Int8 → Int16 → Int32) and `FloatColumn`
 * (Float32 → Float64), widened with one copy the first time a value does not fit. ColumnSet
 * (columns.ts) holds them; the reasons are written there.
 */

export type TypedArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array;
export type TypedArrayCtor =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Int32ArrayConstructor
  | Int16ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor;

/** Adaptive storage: integer ids and counts, or any number (NaN included). */
export type Adaptive = 'int' | 'float';

/** Per-column address-space reservation: 4 GiB, i.e. 512M rows of a Float64 column. */
const MAX_COLUMN_BYTES = 2 ** 32;

type Resizable = ArrayBuffer & { resize(bytes: number): void };

function resizableBuffer(bytes: number): Resizable | null {
  try {
    return new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable)(bytes, { maxByteLength: MAX_COLUMN_BYTES });
  } catch {
    return null;
  }
}

/** One column's storage: a typed array that grows in place (or by copy, without resizable buffers). */
export class Storage {
  data: TypedArray;
  private buffer: Resizable | null;

  constructor(
    readonly ctor: TypedArrayCtor,
    capacity: number,
  ) {
    this.buffer = resizableBuffer(capacity * ctor.BYTES_PER_ELEMENT);
    this.data = this.buffer !== null ? new ctor(this.buffer) : new ctor(capacity);
  }

  get resizable(): boolean {
    return this.buffer !== null;
  }

  grow(capacity: number): void {
    const bytes = capacity * this.ctor.BYTES_PER_ELEMENT;
    if (this.buffer !== null && bytes <= MAX_COLUMN_BYTES) {
      this.buffer.resize(bytes);
      return;
    }
    const next = new this.ctor(capacity);
    next.set(this.data);
    this.data = next;
    this.buffer = null;
  }

  /** Give the memory back now rather than at the next GC (the column moved to wider storage). */
  release(): void {
    this.buffer?.resize(0);
  }
}

const INT_LADDER = [Int8Array, Int16Array, Int32Array] as const;
const INT_SHIFTS = [24, 16, 0] as const;

/**
 * An adaptive column's writer. `set` is the only way values get in, so no value is ever
 * truncated; the current array is for reading during the build (`get`), never for caching.
 */
export abstract class AdaptiveColumn {
  protected storage: Storage;
  /** Rows that hold data or defaults (kept by the ColumnSet); only these are copied on widening. */
  filled = 0;

  constructor(
    ctor: TypedArrayCtor,
    private capacity: number,
  ) {
    this.storage = new Storage(ctor, capacity);
  }

  get data(): TypedArray {
    return this.storage.data;
  }

  get(row: number): number {
    return this.storage.data[row];
  }

  abstract set(row: number, value: number): void;

  /** Widen, if need be, so that `value` fits (throws for what no rung holds). */
  protected abstract admit(value: number): void;

  /**
   * Bulk write: rows [row, row + values.length) get `values`, checked once per block and
   * copied with TypedArray.set (a memcpy, where a store per row into a resizable buffer's
   * array costs several times more on Node 20).
   */
  setMany(row: number, values: ArrayLike<number>): void {
    this.admitAll(values);
    this.storage.data.set(values, row);
  }

  /** Widen, if need be, so that every value fits: one tight loop per block (a call per value cost 4× more). */
  protected abstract admitAll(values: ArrayLike<number>): void;

  fill(value: number, from: number, to: number): void {
    this.admit(value);
    this.storage.data.fill(value, from, to);
  }


  protected widen(ctor: TypedArrayCtor): void {
    const next = new Storage(ctor, this.capacity);
    next.data.set(this.storage.data.subarray(0, this.filled));
    this.storage.release();
    this.storage = next;
  }

  grow(capacity: number): void {
    this.capacity = capacity;
    this.storage.grow(capacity);
  }
}

/** Integer ids and counts: Int8 → Int16 → Int32 as values need. */
export class IntColumn extends AdaptiveColumn {
  private rung = 0;
  /** `(v << shift >> shift) === v` says "an integer that fits this rung" in one test (false for NaN and fractions). */
  private shift: number = INT_SHIFTS[0];

  constructor(capacity: number) {
    super(INT_LADDER[0], capacity);
  }

  set(row: number, value: number): void {
    if (((value << this.shift) >> this.shift) === value) this.storage.data[row] = value;
    else this.setWider(row, value);
  }

  private setWider(row: number, value: number): void {
    this.admit(value);
    this.storage.data[row] = value;
  }

  protected admitAll(values: ArrayLike<number>): void {
    if (values instanceof Int32Array) return this.admitInt32(values);
    // The block's extremes decide the rung; a value the rung cannot hold (a fraction, NaN) goes through admit.
    const shift = this.shift;
    let lo = 0;
    let hi = 0;
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (((v << shift) >> shift) === v) continue;
      if (v < lo) lo = v;
      else if (v > hi) hi = v;
      else this.admit(v);
    }
    if (lo < 0) this.admit(lo);
    if (hi > 0) this.admit(hi);
  }

  /**
   * Int32 values are integers already: the OR of their magnitudes has the top bit of the largest
   * one, so every value lies in [-bits - 1, bits], which needs the same rung as the true extremes
   * (rungs end at powers of two). No branch per value: this loop runs for every bulk-written cell.
   */
  private admitInt32(values: Int32Array): void {
    let bits = 0;
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      bits |= v ^ (v >> 31);
    }
    this.admit(bits);
    this.admit(-bits - 1);
  }

  protected admit(value: number): void {
    if (((value << this.shift) >> this.shift) === value) return;
    if ((value | 0) !== value) throw new RangeError(`integer column got ${value}`);
    let rung = this.rung;
    while (((value << INT_SHIFTS[rung]) >> INT_SHIFTS[rung]) !== value) rung++;
    this.widenTo(rung);
  }

  private widenTo(rung: number): void {
    this.rung = rung;
    this.shift = INT_SHIFTS[rung];
    this.widen(INT_LADDER[rung]);
  }

}

/** Any number, NaN for "absent": Float32 while every value is exact in it, then Float64. */
export class FloatColumn extends AdaptiveColumn {
  private wide = false;

  constructor(capacity: number) {
    super(Float32Array, capacity);
  }

  set(row: number, value: number): void {
    if (!this.wide && Math.fround(value) !== value && value === value) this.widenFully();
    this.storage.data[row] = value;
  }

  protected admit(value: number): void {
    if (!this.wide && Math.fround(value) !== value && value === value) this.widenFully();
  }

  protected admitAll(values: ArrayLike<number>): void {
    if (this.wide) return;
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (Math.fround(v) !== v && v === v) {
        this.widenFully();
        return;
      }
    }
  }

  private widenFully(): void {
    if (!this.wide) {
      this.wide = true;
      this.widen(Float64Array);
    }
  }
}
