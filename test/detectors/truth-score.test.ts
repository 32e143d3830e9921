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

  it('a baseline passes with info findings and fails with a warning', () => {
    const info = { detector: 'tlb-per-syscall', severity: 'info', metrics: {} };
    expect(score(truth('baseline', []), [info])).toEqual([]);
    expect(score(truth('baseline', []), [{ ...info, severity: 'warning' }])).toHaveLength(1);
  });
});
