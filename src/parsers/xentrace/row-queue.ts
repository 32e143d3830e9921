/**
 * One pCPU's decoded records waiting for the merge (see merge): a FIFO of typed columns that
 * compacts and grows in place. The decoder writes rows straight into its arrays after reserve().
 */
export class RowQueue {
  head = 0;
  tail = 0;
  /** Tick of this pCPU's last row written to the model. */
  lastOut = -Infinity;
  tick = new Float64Array(1024);
  kind = new Uint8Array(1024);
  name = new Int32Array(1024);
  dom = new Int32Array(1024);
  vcpu = new Int32Array(1024);
  a0 = new Float64Array(1024);
  a1 = new Float64Array(1024);
  a2 = new Float64Array(1024);
  a3 = new Float64Array(1024);
  str0 = new Int32Array(1024);

  /** Reserve a row at the tail; the caller writes every column. */
  push(): number {
    if (this.tail === this.tick.length) this.makeRoom(1);
    return this.tail++;
  }

  /** Make room for `n` more rows at the tail (the arrays may be replaced: fetch them after). */
  reserve(n: number): void {
    if (this.tail + n > this.tick.length) this.makeRoom(n);
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** Rows logged before this pCPU's first TSC take that TSC (every queued row is one of them). */
  fillTicks(tick: number): void {
    for (let i = this.head; i < this.tail; i++) if (this.tick[i] !== this.tick[i]) this.tick[i] = tick;
  }

  private makeRoom(n: number): void {
    const live = this.tail - this.head;
    let cap = this.tick.length;
    while ((live + n) * 2 > cap) cap *= 2;
    // Field by field (not through a computed key), so the object keeps its fast shape.
    this.tick = moved(this.tick, new Float64Array(cap), this.head, this.tail);
    this.kind = moved(this.kind, new Uint8Array(cap), this.head, this.tail);
    this.name = moved(this.name, new Int32Array(cap), this.head, this.tail);
    this.dom = moved(this.dom, new Int32Array(cap), this.head, this.tail);
    this.vcpu = moved(this.vcpu, new Int32Array(cap), this.head, this.tail);
    this.a0 = moved(this.a0, new Float64Array(cap), this.head, this.tail);
    this.a1 = moved(this.a1, new Float64Array(cap), this.head, this.tail);
    this.a2 = moved(this.a2, new Float64Array(cap), this.head, this.tail);
    this.a3 = moved(this.a3, new Float64Array(cap), this.head, this.tail);
    this.str0 = moved(this.str0, new Int32Array(cap), this.head, this.tail);
    this.head = 0;
    this.tail = live;
  }
}

function moved<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T, start: number, end: number): T {
  to.set(from.subarray(start, end));
  return to;
}
