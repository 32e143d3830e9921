/** Slack when deciding whether two backends' hypercalls overlap (entry/exit paths around the copy). */
const SLACK_NS = 5_000;

/**
 * A domain's grant-table lock, as Xen takes it for every grant-copy op that touches the
 * domain's grants (`__acquire_grant_for_copy`). Every op of a grant-copy hypercall waits one
 * lock hold for each other backend inside a grant-copy hypercall on the same domain at the
 * time: contention grows with the number of concurrent backends, which keeps multi-queue
 * scaling below linear (README, Calibration), and stays small while backends copy now and
 * then. The others are counted once per hypercall, not per op: a per-op model would cost a
 * heap event per 4 KiB page.
 */
export class GrantLock {
  // Indexed by backend (queue number): the latest hypercall of each.
  private starts = new Float64Array(64);
  private ends = new Float64Array(64).fill(-Infinity);
  private cpus = new Int32Array(64).fill(-1);
  private backends = 0;
  spinNs = 0;
  copyNs = 0;
  ops = 0;

  constructor(readonly domain: number) {}

  /**
   * Spin time for a hypercall of `ops` copy ops by backend `who` entering Xen at `t` on vCPU
   * `cpu`. A backend on the same vCPU (IRQs pinned to one vCPU put every queue's NAPI there)
   * has left Xen before this one entered: the slack must not make it a contender.
   */
  spin(who: number, cpu: number, t: number, ops: number, holdNs: number, costs: { cost(ns: number): number }): number {
    let others = 0;
    for (let b = 0; b < this.backends; b++) {
      if (b !== who && this.cpus[b] !== cpu && this.ends[b] > t - SLACK_NS && this.starts[b] < t + SLACK_NS) others++;
    }
    return others === 0 || holdNs === 0 ? 0 : costs.cost(ops * holdNs * others);
  }

  /** The hypercall `who` made on vCPU `cpu`: [start, start + spin + copy). */
  record(who: number, cpu: number, start: number, spin: number, copy: number, ops: number): void {
    if (who >= this.ends.length) {
      const s = new Float64Array(who * 2);
      s.set(this.starts);
      const e = new Float64Array(who * 2).fill(-Infinity);
      e.set(this.ends);
      const c = new Int32Array(who * 2).fill(-1);
      c.set(this.cpus);
      [this.starts, this.ends, this.cpus] = [s, e, c];
    }
    if (who >= this.backends) this.backends = who + 1;
    this.starts[who] = start;
    this.ends[who] = start + spin + copy;
    this.cpus[who] = cpu;
    this.spinNs += spin;
    this.copyNs += copy;
    this.ops += ops;
  }
}
