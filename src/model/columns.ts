/**
 * Growable typed-array columns. Each column sits on a resizable ArrayBuffer: growing is an
 * in-place resize, so no column is ever copied and the old and new arrays never coexist
 * (with copy-on-grow, a 300 MB trace peaked at 1.5× its final columns). Reserved but
 * untouched capacity costs address space, not memory. Views are length-tracking, so a
 * caller holding `cols` across a push still writes to the live arrays.
 *
 * Runtimes without resizable buffers fall back to doubling with a copy.
 */

export type TypedArray = Float64Array | Float32Array | Int32Array | Int16Array | Uint8Array;
type TypedArrayCtor =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Int32ArrayConstructor
  | Int16ArrayConstructor
  | Uint8ArrayConstructor;

export type ColumnSpec = Readonly<Record<string, TypedArrayCtor>>;
export type Columns<S extends ColumnSpec> = { [K in keyof S]: InstanceType<S[K]> };

const PREPARE_BLOCK = 16384;

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

export class ColumnSet<S extends ColumnSpec> {
  length = 0;
  private capacity: number;
  cols: Columns<S>;
  private buffers: Resizable[] | null;
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
    const out: Record<string, TypedArray> = {};
    const buffers: Resizable[] = [];
    for (const [name, Ctor] of Object.entries(spec)) {
      const buffer = resizableBuffer(initialCapacity * Ctor.BYTES_PER_ELEMENT);
      if (buffer === null) break;
      buffers.push(buffer);
      out[name] = new Ctor(buffer);
    }
    this.buffers = buffers.length === Object.keys(spec).length ? buffers : null;
    this.cols = (this.buffers !== null ? out : ColumnSet.allocate(spec, initialCapacity)) as Columns<S>;
  }

  private static allocate<S extends ColumnSpec>(spec: S, n: number): Columns<S> {
    const out: Record<string, TypedArray> = {};
    for (const [name, Ctor] of Object.entries(spec)) out[name] = new Ctor(n);
    return out as Columns<S>;
  }

  /** Reserve one row (its optional columns at their defaults) and return its index. */
  push(): number {
    if (this.length === this.prepared) this.prepare(1);
    return this.length++;
  }

  /** Reserve `n` rows at once (bulk writers fill them with TypedArray.set); returns the first. */
  pushMany(n: number): number {
    if (this.length + n > this.prepared) this.prepare(this.length + n - this.prepared);
    const first = this.length;
    this.length += n;
    return first;
  }

  /** Drop rows from `length` on (a capture that stops early); they are prepared afresh if reused. */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
    this.prepared = Math.min(this.prepared, this.length);
  }

  /** Make at least `need` more rows ready: grow if needed, then write defaults a block ahead. */
  private prepare(need: number): void {
    while (this.prepared + need > this.capacity) this.grow();
    const upTo = Math.min(this.capacity, this.prepared + Math.max(need, PREPARE_BLOCK));
    for (const [name, value] of this.defaultColumns) (this.cols[name] as TypedArray).fill(value, this.prepared, upTo);
    this.prepared = upTo;
  }

  private grow(): void {
    const capacity = Math.max(1024, this.capacity * 2);
    const ctors = Object.values(this.spec);
    if (this.buffers !== null && capacity * 8 <= MAX_COLUMN_BYTES) {
      this.buffers.forEach((b, i) => b.resize(capacity * ctors[i].BYTES_PER_ELEMENT));
    } else {
      const next = ColumnSet.allocate(this.spec, capacity);
      for (const name of Object.keys(this.spec) as (keyof S)[]) (next[name] as TypedArray).set(this.cols[name] as TypedArray);
      this.cols = next;
      this.buffers = null;
    }
    this.capacity = capacity;
  }

  /**
   * The finished columns: views of exactly `length` rows over the same buffers (no copy).
   * Moving them onto plain buffers was measured: it let detector loops read plain arrays,
   * but the copy cost more than it saved (ftrace 300 MB: 18% slower end to end, +28 MB peak).
   */
  finish(): Columns<S> {
    const out: Record<string, TypedArray> = {};
    for (const name of Object.keys(this.spec)) out[name] = (this.cols[name] as TypedArray).subarray(0, this.length);
    return out as Columns<S>;
  }
}
