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
