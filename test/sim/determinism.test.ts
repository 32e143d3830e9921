import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Format } from '../../src/sim/index.js';
import { FORMAT_IDS } from '../../src/sim/index.js';
import { gen } from './helpers.js';

/** Which scenario shows a pathology in each format, and the metric that names its strength. */
const SIGNAL: Record<Format, { scenario: string; metric: string }> = {
  'perf-script': { scenario: 'gnttab-contention', metric: 'spin_share' },
  ftrace: { scenario: 'ring-full', metric: 'stalled_fraction' },
  xentrace: { scenario: 'pv64-tlb', metric: 'flushes_per_syscall' },
  xenoprof: { scenario: 'gnttab-contention', metric: 'spin_share' },
};

describe.each(FORMAT_IDS)('%s output', (format) => {
  const { scenario, metric } = SIGNAL[format];
  const a = gen(scenario, format, { seed: 11 });
  const b = gen(scenario, format, { seed: 11 });
  const c = gen(scenario, format, { seed: 12 });

  it('same seed → byte-identical trace and truth', () => {
    expect(readFileSync(a.written.path).equals(readFileSync(b.written.path))).toBe(true);
    expect(readFileSync(a.truthPath, 'utf8')).toBe(readFileSync(b.truthPath, 'utf8'));
  });

  it('another seed → different bytes, statistically the same run', () => {
    expect(readFileSync(a.written.path).equals(readFileSync(c.written.path))).toBe(false);
    expect(Math.abs(c.run.gbps - a.run.gbps) / a.run.gbps).toBeLessThan(0.1);
    expect(Math.abs(c.written.records - a.written.records) / a.written.records).toBeLessThan(0.15);
    const pa = a.truth.pathologies[0];
    const pc = c.truth.pathologies.find((p) => p.detector === pa.detector && JSON.stringify(p.where) === JSON.stringify(pa.where));
    expect(pc).toBeDefined();
    const va = pa.metrics[metric] as number;
    expect(Math.abs((pc?.metrics[metric] as number) - va)).toBeLessThan(0.15 * va);
  });
});
