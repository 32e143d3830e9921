import { describe, expect, it } from 'vitest';
import type { Truth } from './truth-score.js';
import { score } from './truth-score.js';

/** The scorer used by simulator-truth.test.ts, checked on hand-made truth. */
const truth = (scenario: string, pathologies: Truth['pathologies']): Truth => ({ schema: 'tracelens.truth/v1', scenario, format: 'ftrace', pathologies });

describe('truth scoring', () => {
  const pinned = truth('irq-pinned', [{ detector: 'irq-pinned', metrics: { irq: 'eth0', cpu: 0, share: 0.97, rate_per_s: 5000 } }]);

  it('accepts a finding whose metrics are within 10% and names match or contain each other', () => {
    const f = { detector: 'irq-pinned', severity: 'warning', metrics: { irq: 'eth0-q0-rx', cpu: 0, share: 0.99, rate_per_s: 5400 } };
    expect(score(pinned, [f])).toEqual([]);
  });

  it('rejects a wrong CPU, a metric off by more than 10%, a missing metric or no finding', () => {
    const base = { detector: 'irq-pinned', severity: 'warning', metrics: { irq: 'eth0', cpu: 0, share: 0.97, rate_per_s: 5000 } as Record<string, number | string | null> };
    expect(score(pinned, [{ ...base, metrics: { ...base.metrics, cpu: 1 } }])[0]).toMatch(/cpu 1 ≠ 0/);
    expect(score(pinned, [{ ...base, metrics: { ...base.metrics, rate_per_s: 5600 } }])[0]).toMatch(/rate_per_s 5600 not within 10%/);
    expect(score(pinned, [{ ...base, metrics: { ...base.metrics, rate_per_s: null } }])[0]).toMatch(/rate_per_s missing/);
    expect(score(pinned, [])[0]).toMatch(/no finding from that detector/);
  });

  it('where must name the finding, and one finding matches one pathology', () => {
    const tlb = { flushes_per_syscall: 1, syscalls: 377, flushes: 377 };
    const two = truth('pv64-tlb', [
      { detector: 'tlb-per-syscall', where: { domain: 1, comm: 'iperf', tid: 2101 }, metrics: tlb },
      { detector: 'tlb-per-syscall', where: { domain: 1, comm: 'iperf', tid: 2102 }, metrics: tlb },
    ]);
    const f = (task: string) => ({ detector: 'tlb-per-syscall', severity: 'warning', metrics: { task, ...tlb } });
    expect(score(two, [f('iperf (tid 2101)'), f('iperf (tid 2102)')])).toEqual([]);
    expect(score(two, [f('iperf (tid 2101)')])[0]).toMatch(/task iperf \(tid 2101\)/);
    const xen = truth('pv64-tlb', [{ detector: 'tlb-per-syscall', where: { domain: 2 }, metrics: tlb }]);
    expect(score(xen, [f('d2')])).toEqual([]);
    expect(score(xen, [f('d1')])).toHaveLength(1);
    const ring = truth('ring-full', [{ detector: 'ring-full', where: { domain: 1, queue: 'eth0-q3' }, metrics: { stalled_fraction: 0.05 } }]);
    const q = (queue: string) => ({ detector: 'ring-full', severity: 'warning', metrics: { queue, stalled_fraction: 0.05 } });
    expect(score(ring, [q('eth0-q3')])).toEqual([]);
    expect(score(ring, [q('ifindex 2')])[0]).toMatch(/queue ifindex 2 ≠ eth0-q3/);
  });

  it('a baseline passes with info findings and fails with a warning', () => {
    const info = { detector: 'tlb-per-syscall', severity: 'info', metrics: {} };
    expect(score(truth('baseline', []), [info])).toEqual([]);
    expect(score(truth('baseline', []), [{ ...info, severity: 'warning' }])).toHaveLength(1);
  });
});
