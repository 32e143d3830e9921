import type { VCpu } from './cpu.js';
import { Prng } from './prng.js';
import type { SimRun } from './simulate.js';
import { stackId } from './stacks.js';

/**
 * Profile samples, derived from the busy segments the same way for the writers and for the
 * truth, so the shares in a truth file are exactly those of the samples written.
 */

/** perf `cpu-clock` at `hz`: a tick every period on every vCPU, busy or idle (idle ticks land in the idle loop). */
export function forEachTick(run: SimRun, cpu: VCpu, hz: number, visit: (t: number, stack: number, task: number) => void): void {
  const period = Math.round(1e9 / hz);
  const phase = new Prng(run.seed, 1000 + cpu.gid).int(period);
  const seg = cpu.log.seg;
  const idle = stackId('idle', cpu.kind);
  let i = 0;
  for (let t = phase; t <= run.endNs; t += period) {
    while (i < seg.n && seg.end[i] <= t) i++;
    if (i < seg.n && seg.start[i] <= t) visit(t, seg.stack[i], seg.task[i]);
    else visit(t, idle, cpu.idleTask);
  }
}

/** Ticks per vCPU, with their stacks (perf): small arrays, merged with the events by the writer. */
export interface Ticks {
  t: Float64Array;
  stack: Int16Array;
  task: Int32Array;
  n: number;
}

export function ticksOf(run: SimRun, cpu: VCpu, hz: number): Ticks {
  const cap = Math.floor(run.endNs / Math.round(1e9 / hz)) + 2;
  const out: Ticks = { t: new Float64Array(cap), stack: new Int16Array(cap), task: new Int32Array(cap), n: 0 };
  forEachTick(run, cpu, hz, (t, stack, task) => {
    out.t[out.n] = t;
    out.stack[out.n] = stack;
    out.task[out.n++] = task;
  });
  return out;
}

/**
 * xenoprof `CPU_CLK_UNHALTED` with a count of `count` cycles: one sample per `count` cycles of
 * busy time on each pCPU. A halted (idle) pCPU does not count, unlike perf's cpu-clock.
 * Returns sample counts per stack id.
 */
export function unhaltedSamples(run: SimRun, cpu: VCpu, count: number, cpuMhz: number): Map<number, number> {
  const periodNs = (count * 1000) / cpuMhz;
  let next = new Prng(run.seed, 2000 + cpu.gid).float() * periodNs;
  let busy = 0;
  const out = new Map<number, number>();
  const seg = cpu.log.seg;
  for (let i = 0; i < seg.n; i++) {
    busy += seg.end[i] - seg.start[i];
    let k = 0;
    while (next < busy) {
      k++;
      next += periodNs;
    }
    if (k > 0) out.set(seg.stack[i], (out.get(seg.stack[i]) ?? 0) + k);
  }
  return out;
}
