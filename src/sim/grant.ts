import type { Prng } from './prng.js';

/** How recently another backend must have copied to count as concurrent. */
const WINDOW_NS = 300_000;

/**
 * A domain's grant-table lock, as Xen takes it for every grant-copy op that touches the
 * domain's grants (`__acquire_grant_for_copy`). Every op waits one lock hold for each other
 * backend copying against the same domain at the time (one that copied in the last 300 µs):
 * contention grows with the number of concurrent backends, which keeps multi-queue scaling
 * below linear (README, Calibration). Counting backends, not instantaneous overlaps, keeps
 * spin from feeding on spin: a spinning CPU does not hold the lock.
 */
export class GrantLock {
  private readonly last = new Map<number, number>();
  spinNs = 0;
  copyNs = 0;
  ops = 0;

  constructor(readonly domain: number) {}

  /** Spin time for a hypercall of `ops` copy ops by backend `who` entering Xen at `t`. */
  spin(who: number, t: number, ops: number, holdNs: number, rng: Prng, cv: number): number {
    let others = 0;
    for (const [b, at] of this.last) if (b !== who && at > t - WINDOW_NS) others++;
    this.last.set(who, t);
    return others === 0 || holdNs === 0 ? 0 : rng.jitter(ops * holdNs * others, cv);
  }

  record(spin: number, copy: number, ops: number): void {
    this.spinNs += spin;
    this.copyNs += copy;
    this.ops += ops;
  }
}
