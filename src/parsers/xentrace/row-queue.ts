/**
 * One pCPU's decoded records waiting for the merge (see merge): a FIFO of rows that compacts and
 * grows in place. Rows are stored row-major, STRIDE numbers each in one Float64Array: the
 * decoder writes a row through one array (fewer live registers in its hot loop) and the merge
 * copies a row from one place (pCPUs interleave finely, so it copies ~1.2 rows per burst and
 * fetching ten column arrays per burst cost more than the copying).
 *
 * Integer fields (kind, name, dom, vcpu, str0) are stored as their int32 value (`| 0`), as an
 * Int32Array would hold them, so reading them back gives what the model's columns will hold.
 */
export const STRIDE = 10;
export const TICK = 0;
export const KIND = 1;
export const NAME = 2;
export const DOM = 3;
export const VCPU = 4;
export const A0 = 5;
export const A1 = 6;
export const A2 = 7;
export const A3 = 8;
export const STR0 = 9;

export class RowQueue {
  head = 0;
  tail = 0;
  /** Tick of this pCPU's last row written to the model. */
  lastOut = -Infinity;
  /** Row i is rows[i * STRIDE + field]. */
  rows = new Float64Array(1024 * STRIDE);

  /** Reserve a row at the tail; the caller writes every field. */
  push(): number {
    if ((this.tail + 1) * STRIDE > this.rows.length) this.makeRoom(1);
    return this.tail++;
  }

  /** Make room for `n` more rows at the tail (the array may be replaced: fetch it after). */
  reserve(n: number): void {
    if ((this.tail + n) * STRIDE > this.rows.length) this.makeRoom(n);
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** Tick of the next row to merge (the queue must not be empty). */
  get headTick(): number {
    return this.rows[this.head * STRIDE];
  }

  /** Rows logged before this pCPU's first TSC take that TSC (every queued row is one of them). */
  fillTicks(tick: number): void {
    fillTicks(this.rows, this.head, this.tail, tick);
  }

  private makeRoom(n: number): void {
    const live = this.tail - this.head;
    let cap = this.rows.length / STRIDE;
    while ((live + n) * 2 > cap) cap *= 2;
    const rows = new Float64Array(cap * STRIDE);
    rows.set(this.rows.subarray(this.head * STRIDE, this.tail * STRIDE));
    this.rows = rows;
    this.head = 0;
    this.tail = live;
  }
}

/** Rows [from, to) without a TSC (NaN tick) take tick t. */
export function fillTicks(rows: Float64Array, from: number, to: number, t: number): void {
  for (let o = from * STRIDE; o < to * STRIDE; o += STRIDE) if (rows[o] !== rows[o]) rows[o] = t;
}
