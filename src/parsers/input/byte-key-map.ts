/**
 * A hash map keyed by byte ranges of a buffer, for the hot paths that look up the same
 * few thousand texts millions of times (callchain frames, comms). Unlike Map<string>, a
 * lookup allocates nothing: it hashes the bytes in place (FNV-1a) and compares them with
 * a private copy of each key, so no string is built and nothing is left for the GC.
 */
const HASHED_HEAD = 24;
const HASHED_TAIL = 12;

export class ByteKeyMap {
  private slots = new Int32Array(1 << 12); // entry index + 1; 0 = empty
  private hashes = new Int32Array(1024);
  private starts = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private values = new Int32Array(1024);
  private arena = Buffer.allocUnsafe(1 << 16);
  private arenaUsed = 0;
  private count = 0;
  private lastHash = 0;

  /** The value stored for buf[start, end), or -1. */
  get(buf: Buffer, start: number, end: number): number {
    // Hash the first and last bytes only (where frame texts differ: address, symbol
    // start, DSO tail); equal hashes are confirmed by a full native compare.
    let h = Math.imul(0x811c9dc5 ^ (end - start), 16777619);
    const headEnd = Math.min(end, start + HASHED_HEAD);
    for (let i = start; i < headEnd; i++) h = Math.imul(h ^ buf[i], 16777619);
    for (let i = Math.max(headEnd, end - HASHED_TAIL); i < end; i++) h = Math.imul(h ^ buf[i], 16777619);
    this.lastHash = h;
    const mask = this.slots.length - 1;
    const len = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = this.slots[slot] - 1;
      if (e < 0) return -1;
      if (this.hashes[e] === h && this.lengths[e] === len && this.sameBytes(e, buf, start, len)) return this.values[e];
    }
  }

  /** Store a value for the key last passed to get() (which must have returned -1). */
  setLast(buf: Buffer, start: number, end: number, value: number): void {
    const len = end - start;
    if (this.count === this.hashes.length) this.growEntries();
    if (this.arenaUsed + len > this.arena.length) this.growArena(len);
    const e = this.count++;
    buf.copy(this.arena, this.arenaUsed, start, end);
    this.starts[e] = this.arenaUsed;
    this.lengths[e] = len;
    this.hashes[e] = this.lastHash;
    this.values[e] = value;
    this.arenaUsed += len;
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.place(e);
  }

  private sameBytes(e: number, buf: Buffer, start: number, len: number): boolean {
    // A JS loop beats Buffer.compare here: keys are short and the native call costs more.
    const a = this.arena;
    const off = this.starts[e] - start;
    for (let i = start + len - 1; i >= start; i--) if (a[off + i] !== buf[i]) return false;
    return true;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[e] & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = e + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let e = 0; e < this.count; e++) this.place(e);
  }

  private growEntries(): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes);
    this.starts = grow(this.starts);
    this.lengths = grow(this.lengths);
    this.values = grow(this.values);
  }

  private growArena(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + need));
    this.arena.copy(next, 0, 0, this.arenaUsed);
    this.arena = next;
  }
}
