import type { RowQueue } from './row-queue.js';
import { DOM, STRIDE, VCPU } from './row-queue.js';

/**
 * Per-pCPU state carried across windows (the last TSC, which records without one inherit, is
 * kept by the merge, which also needs it): which domain/vCPU is running there, so that every record — most of which do not say whose
 * they are — can be attributed (FORMATS.md §3.7). The running vCPU is the `next` of the last
 * TRC_SCHED_SWITCH, the subject of the last runstate change *to running* or CONTINUE_RUNNING
 * on that pCPU, or the did/vid a LOST_RECORDS record names (the vCPU current when logging
 * resumed). Until then it is unknown (-1), like xenalyze's `d?v?`.
 *
 * Typed arrays indexed by pCPU id, grown on demand: the decoder loads one pCPU's values into
 * locals for a window and stores them back at its end.
 */
export class PcpuState {
  /** 1 + the highest pCPU id that had a window. */
  count = 0;
  dom = new Int32Array(0);
  vcpu = new Int32Array(0);
  /** TRC_TRACE_WRAP_BUFFER padding records skipped (they are not events). */
  padding = new Int32Array(0);

  ensure(pcpu: number): void {
    if (pcpu < this.count) return;
    const n = pcpu + 1;
    if (n > this.dom.length) {
      const cap = Math.max(n, this.dom.length * 2, 8);
      this.dom = grow(this.dom, new Int32Array(cap).fill(-1));
      this.vcpu = grow(this.vcpu, new Int32Array(cap).fill(-1));
      this.padding = grow(this.padding, new Int32Array(cap));
    }
    this.count = n;
  }

  paddingTotal(): number {
    let n = 0;
    for (let p = 0; p < this.count; p++) n += this.padding[p];
    return n;
  }

  /** `2:1 6:1` — padding per pCPU, for the header facts (only pCPUs that had some). */
  paddingByPcpu(): string {
    const parts: string[] = [];
    for (let p = 0; p < this.count; p++) if (this.padding[p] > 0) parts.push(`${p}:${this.padding[p]}`);
    return parts.join(' ');
  }
}

function grow<T extends Int32Array>(old: T, next: T): T {
  next.set(old);
  return next;
}

/** Runstate codes in TRC_SCHED_RUNSTATE_CHANGE ids (0x00021ON1: O = old, N = new). */
export const RUNSTATE_RUNNING = 0;

/** Decode the `vcpu | dom << 16` word runstate records carry. */
export const wordDom = (w: number) => w >>> 16;
export const wordVcpu = (w: number) => w & 0xffff;

/**
 * Records logged before a pCPU's first scheduler record are unattributed; the first record
 * that names who *was* running there (a switch's `prev`, a runstate change away from running,
 * which Xen logs on the vCPU's own pCPU) names them too. Rows already merged out stay unknown.
 */
export function backfill(q: RowQueue, to: number, dom: number, vcpu: number): void {
  const rows = q.rows;
  for (let o = q.head * STRIDE; o < to * STRIDE; o += STRIDE) {
    if (rows[o + DOM] === -1) {
      rows[o + DOM] = dom | 0;
      rows[o + VCPU] = vcpu | 0;
    }
  }
}
