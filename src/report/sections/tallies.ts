/** How often each value occurred, by value (IRQ number, vector). */
export type Tally = Map<number, number>;

/** Values below this are counted in a dense array; IRQ numbers and vectors almost always are. */
const WIDTH = 1024;

/**
 * Per-key tallies of small integer values (IRQs by pCPU, vectors by vCPU slot) for passes over
 * every row: an IRQ row costs one typed-array increment, where a Map per key and per value cost
 * two Map operations (a tenth of the xen section's pass on a 15 M-record capture). `toMaps`
 * gives the Maps in first-seen order of key and of value, as counting into them would have.
 */
export class Tallies {
  private counts = new Float64Array(0);
  /** (key, value) pairs in the order they were first seen. */
  private readonly seen: number[] = [];
  /** Values outside 0..WIDTH-1 (large, negative, fractional, NaN), per key. */
  private readonly rare = new Map<number, Tally>();

  /** One more `value` under `key` (a small non-negative integer: a pCPU or a slot). */
  add(key: number, value: number): void {
    if (value === (value & (WIDTH - 1))) {
      const at = key * WIDTH + value;
      if (at >= this.counts.length) this.grow(at);
      if (this.counts[at]++ === 0) this.seen.push(key, value);
      return;
    }
    let t = this.rare.get(key);
    if (t === undefined) this.rare.set(key, (t = new Map()));
    const c = t.get(value);
    if (c === undefined) this.seen.push(key, value);
    t.set(value, (c ?? 0) + 1);
  }

  /** The tallies as Maps keyed by `label(key)`. */
  toMaps<K>(label: (key: number) => K): Map<K, Tally> {
    const out = new Map<K, Tally>();
    for (let i = 0; i < this.seen.length; i += 2) {
      const key = this.seen[i];
      const value = this.seen[i + 1];
      const name = label(key);
      let t = out.get(name);
      if (t === undefined) out.set(name, (t = new Map()));
      t.set(value, value === (value & (WIDTH - 1)) ? this.counts[key * WIDTH + value] : (this.rare.get(key)?.get(value) ?? 0));
    }
    return out;
  }

  private grow(at: number): void {
    const next = new Float64Array(Math.max((Math.floor(at / WIDTH) + 1) * WIDTH, this.counts.length * 2));
    next.set(this.counts);
    this.counts = next;
  }
}

/** Direct-table range of (domain + 1) and (vCPU + 1); other pairs go through a Map. */
const DOMS = 65536;
const VCPUS = 256;

/**
 * Slots for (domain, vCPU) pairs, numbered in first-seen order, for the xen section's pass, which
 * looks one up for every row. The pass looks in `rowOf` (domain + 1 → its row of `table`) and
 * `table` ((row + vCPU + 1) → slot + 1, 0: none yet) itself and calls `slot` only for a pair not
 * seen yet or out of the tables' range: two typed loads a row, where a Map lookup per row, or a
 * per-pCPU "same pair as last time" check (Xen's IRQ rows switch pairs twice each), cost 3-4×
 * more. Row 0 of the table is all zeros: domains not seen yet land there.
 */
export class VcpuSlots {
  readonly rowOf = new Int32Array(DOMS);
  table = new Int32Array(VCPUS);
  /** Slot → key `dom * 65536 + vcpu` (the pair's identity, as labels decode it). */
  readonly keys: number[] = [];
  private readonly other = new Map<number, number>();
  records = new Float64Array(64);
  exits = new Float64Array(64);
  calls = new Float64Array(64);

  /** The slot of (dom, vcpu), made if new; the tables' lookup failed or was out of range. */
  slot(dom: number, vcpu: number): number {
    const key = dom * 65536 + vcpu;
    // One slot per key, whichever pair spelled it: decode it as the labels do.
    const d = Math.floor((key + 1) / 65536);
    const v = key - d * 65536;
    if (d + 1 >= 0 && d + 1 < DOMS && v + 1 >= 0 && v + 1 < VCPUS) {
      if (this.rowOf[d + 1] === 0) {
        this.rowOf[d + 1] = this.table.length;
        const grown = new Int32Array(this.table.length + VCPUS);
        grown.set(this.table);
        this.table = grown;
      }
      const at = this.rowOf[d + 1] + v + 1;
      if (this.table[at] === 0) this.table[at] = this.add(key) + 1;
      return this.table[at] - 1;
    }
    let slot = this.other.get(key);
    if (slot === undefined) this.other.set(key, (slot = this.add(key)));
    return slot;
  }

  private add(key: number): number {
    const slot = this.keys.push(key) - 1;
    if (slot === this.records.length) {
      this.records = doubled(this.records);
      this.exits = doubled(this.exits);
      this.calls = doubled(this.calls);
    }
    return slot;
  }
}

function doubled(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
