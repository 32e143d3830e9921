/**
 * Growable typed-array columns. Each column sits on a resizable ArrayBuffer: growing is an
 * in-place resize, so no column is ever copied and the old and new arrays never coexist
 * (with copy-on-grow, a 300 MB trace peaked at 1.5× its final columns). Reserved but
 * untouched capacity costs address space, not memory. Views are length-tracking, so a
 * caller holding `fixed` across a push still writes to the live arrays.
 *
 * A column is either *fixed* (a typed-array constructor: its storage type never changes) or
 * *adaptive* (`'int'` / `'float'`): stored in the narrowest array that holds every value
 * written so far — Int8 → Int16 → Int32, Float32 → Float64 — and widened (one copy) the
 * first time a value does not fit. Perfetto's trace processor stores its columns the same
 * way. Most event arguments are small integers (CPUs, vectors, syscall numbers, string ids),
 * so an ftrace event row shrank from 69 to ~37 bytes; a column that only ever meets one
 * wide value pays for it once. Adaptive columns are written through their `set`, which
 * checks the value (`setMany` checks a block once); readers get typed arrays from `finish()`
 * and index them as usual.
 *
 * Runtimes without resizable buffers fall back to doubling with a copy.
 */

import type { Adaptive, TypedArray, TypedArrayCtor } from './column-storage.js';
import { AdaptiveColumn, FloatColumn, IntColumn, Storage } from './column-storage.js';

export type { Adaptive, TypedArray } from './column-storage.js';
export { AdaptiveColumn } from './column-storage.js';

export type ColumnSpec = Readonly<Record<string, TypedArrayCtor | Adaptive>>;

type Stored<T> = T extends 'int'
  ? Int8Array | Int16Array | Int32Array
  : T extends 'float'
    ? Float32Array | Float64Array
    : T extends TypedArrayCtor
      ? InstanceType<T>
      : never;
type FixedKeys<S> = { [K in keyof S]: S[K] extends Adaptive ? never : K }[keyof S];
type AdaptiveKeys<S> = { [K in keyof S]: S[K] extends Adaptive ? K : never }[keyof S];

/** Every column as a plain typed array (what `finish()` returns and readers index). */
export type Columns<S extends ColumnSpec> = { [K in keyof S]: Stored<S[K]> };
/** The fixed columns, written directly: `fixed.tsNs[row] = t`. */
export type FixedColumns<S extends ColumnSpec> = { [K in FixedKeys<S>]: Stored<S[K]> };
/** The adaptive columns, written through their writers: `adaptive.a0.set(row, v)`. */
export type AdaptiveColumns<S extends ColumnSpec> = { [K in AdaptiveKeys<S>]: AdaptiveColumn };

const PREPARE_BLOCK = 16384;

export class ColumnSet<S extends ColumnSpec> {
  length = 0;
  private capacity: number;
  /** Fixed columns; stable across pushes while buffers are resizable (rebuilt on a copying grow). */
  fixed: FixedColumns<S>;
  readonly adaptive: AdaptiveColumns<S>;
  private readonly storages = new Map<string, Storage>();
  /** Rows [0, prepared) already hold their column defaults; rows are prepared a block at a time. */
  private prepared = 0;
  private readonly defaultColumns: [string, number][];

  /**
   * `defaults` gives the "absent" value of optional columns (NaN, -1). They are written a
   * block ahead with TypedArray.fill, so appending a row writes only the columns it sets
   * (an ftrace event row used to spend 8 of its 13 stores on defaults).
   */
  constructor(
    private readonly spec: S,
    initialCapacity = 1024,
    defaults?: Readonly<Partial<Record<keyof S & string, number>>>,
  ) {
    this.defaultColumns = Object.entries(defaults ?? {}) as [string, number][];
    this.capacity = initialCapacity;
    const adaptive: Record<string, AdaptiveColumn> = {};
    for (const [name, type] of Object.entries(spec)) {
      if (typeof type === 'string') adaptive[name] = type === 'int' ? new IntColumn(initialCapacity) : new FloatColumn(initialCapacity);
      else this.storages.set(name, new Storage(type, initialCapacity));
    }
    this.adaptive = adaptive as AdaptiveColumns<S>;
    this.fixed = this.fixedArrays();
  }

  private fixedArrays(): FixedColumns<S> {
    const out: Record<string, TypedArray> = {};
    for (const [name, storage] of this.storages) out[name] = storage.data;
    return out as FixedColumns<S>;
  }

  /** Reserve one row (its optional columns at their defaults) and return its index. */
  push(): number {
    if (this.length === this.prepared) this.prepare(1);
    return this.length++;
  }

  /**
   * Reserve `n` rows the caller writes in full, every column with a default included: none is
   * filled first (for xentrace's block copy, prefilling defaults it then overwrites was 5% of a run).
   */
  pushWritten(n: number): number {
    while (this.length + n > this.capacity) this.grow();
    const first = this.length;
    this.length += n;
    if (this.length > this.prepared) {
      this.prepared = this.length;
      for (const column of Object.values(this.adaptive) as AdaptiveColumn[]) column.filled = this.length;
    }
    return first;
  }

  /** Drop rows from `length` on (a capture that stops early); they are prepared afresh if reused. */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
    this.prepared = Math.min(this.prepared, this.length);
  }

  private column(name: string): TypedArray {
    return this.storages.get(name)?.data ?? (this.adaptive as Record<string, AdaptiveColumn>)[name].data;
  }

  /** Make at least `need` more rows ready: grow if needed, then write defaults a block ahead. */
  private prepare(need: number): void {
    while (this.prepared + need > this.capacity) this.grow();
    const upTo = Math.min(this.capacity, this.prepared + Math.max(need, PREPARE_BLOCK));
    for (const [name, value] of this.defaultColumns) this.column(name).fill(value, this.prepared, upTo);
    this.prepared = upTo;
    for (const column of Object.values(this.adaptive) as AdaptiveColumn[]) column.filled = upTo;
  }

  private grow(): void {
    const capacity = Math.max(1024, this.capacity * 2);
    for (const storage of this.storages.values()) storage.grow(capacity);
    for (const column of Object.values(this.adaptive) as AdaptiveColumn[]) column.grow(capacity);
    if (![...this.storages.values()].every((s) => s.resizable)) this.fixed = this.fixedArrays();
    this.capacity = capacity;
  }

  /**
   * The finished columns: views of exactly `length` rows over the same buffers (no copy).
   * Reading an array on a resizable buffer costs about 2× a plain one on Node 20 (a 15.6 M-row
   * pass: 45 vs 21 ms), but moving the columns onto plain buffers was measured twice and lost:
   * a plain copy made ftrace 300 MB 18% slower with +28 MB peak; a chunked copy that shrinks the
   * resizable buffer behind it made ftrace 5% faster but +10 MiB peak (over issue 3's bar) and
   * xentrace 3.6% slower.
   */
  finish(): Columns<S> {
    const out: Record<string, TypedArray> = {};
    for (const name of Object.keys(this.spec)) out[name] = this.column(name).subarray(0, this.length);
    return out as Columns<S>;
  }
}
