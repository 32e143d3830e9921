import type { StringPool } from '../../model/string-pool.js';
import { classify } from './event-names.js';

/**
 * Event id → (name string id << 5 | decoder code), for the hot path: open addressing over
 * Int32Arrays, so a lookup is a multiply, a shift and usually one compare — no Map, no string.
 * A trace holds a few dozen distinct ids; a miss classifies the id once and interns its name.
 */
export class IdCache {
  private keys = new Int32Array(1024);
  private vals = new Int32Array(1024);
  private used = 0;

  constructor(private readonly pool: StringPool) {}

  get(id: number): number {
    const mask = this.keys.length - 1;
    for (let slot = (Math.imul(id, 0x9e3779b1) >>> 12) & mask; ; slot = (slot + 1) & mask) {
      const k = this.keys[slot];
      if (k === id) return this.vals[slot];
      if (k === 0) return this.insert(id, slot);
    }
  }

  private insert(id: number, slot: number): number {
    const [name, code] = classify(id);
    const packed = (this.pool.intern(name) << 5) | code;
    if (id === 0) return packed; // 0 marks an empty slot; id 0 is not a real event, so it is not cached
    this.keys[slot] = id;
    this.vals[slot] = packed;
    if (++this.used * 2 > this.keys.length) this.rehash();
    return packed;
  }

  private rehash(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Int32Array(oldKeys.length * 2);
    this.vals = new Int32Array(oldKeys.length * 2);
    const mask = this.keys.length - 1;
    for (let s = 0; s < oldKeys.length; s++) {
      const k = oldKeys[s];
      if (k === 0) continue;
      let slot = (Math.imul(k, 0x9e3779b1) >>> 12) & mask;
      while (this.keys[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = k;
      this.vals[slot] = oldVals[s];
    }
  }
}
