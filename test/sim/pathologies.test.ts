import { describe, expect, it } from 'vitest';
import type { Format, Pathology } from '../../src/sim/index.js';
import { loadScenario, recordFor, simulate, withOverrides } from '../../src/sim/index.js';
import { gnttabMetrics, irqMetrics, ringMetrics, tlbMetrics } from '../../src/sim/truth.js';
import { SHORT_MS, gen } from './helpers.js';

/** The baseline's value of a pathology's metric, measured the same way, from the same viewpoint. */
function baselineValue(format: Format, p: Pathology, metric: string, capture: number): number {
  const s = withOverrides(loadScenario('baseline'), { durationMs: SHORT_MS, warmupMs: 4, capture: { domain: capture } });
  const run = simulate(s, 1, recordFor(format, s));
  const domain = p.where.domain as number;
  switch (p.detector) {
    case 'irq-pinned':
      return irqMetrics(run, domain, p.where.irq as string).metrics[metric] as number;
    case 'tlb-per-syscall':
      return tlbMetrics(run, domain, format)[metric] as number;
    case 'gnttab-lock':
      return gnttabMetrics(run, format)[metric] as number;
    case 'ring-full':
      return ringMetrics(run, p.where.queue as string)[metric] as number;
  }
}

/** Each pathology, the formats that carry its signal, the metric and the margin a detector can see. */
const CASES: [string, Format, string, number][] = [
  ['irq-vcpu0', 'perf-script', 'share', 0.5],
  ['irq-vcpu0', 'ftrace', 'share', 0.5],
  ['pv64-tlb', 'perf-script', 'flushes_per_syscall', 0.8],
  ['pv64-tlb', 'ftrace', 'flushes_per_syscall', 0.8],
  ['pv64-tlb', 'xentrace', 'flushes_per_syscall', 0.8],
  ['gnttab-contention', 'perf-script', 'spin_share', 0.3],
  ['gnttab-contention', 'xenoprof', 'spin_share', 0.3],
  ['gnttab-contention', 'xentrace', 'spin_share', 0.15],
  ['ring-full', 'perf-script', 'stalled_fraction', 0.1],
  ['ring-full', 'ftrace', 'stalled_fraction', 0.1],
];

describe.each(CASES)('%s in %s', (scenario, format, metric, margin) => {
  const g = gen(scenario, format);

  it(`the truth lists the pathology; its ${metric} exceeds the baseline's by ≥ ${margin}`, () => {
    const injected = loadScenario(scenario).inject[0];
    const found = g.truth.pathologies.filter((p) => p.detector === injected);
    expect(found.length).toBeGreaterThan(0);
    for (const p of found) {
      const value = p.metrics[metric] as number;
      expect(value - baselineValue(format, p, metric, g.run.scenario.capture.domain)).toBeGreaterThanOrEqual(margin);
      expect(p.window.end_ns).toBeGreaterThan(p.window.start_ns);
    }
  });
});

describe('truth files', () => {
  it('baseline injects nothing, in every format', () => {
    for (const f of ['perf-script', 'ftrace', 'xentrace', 'xenoprof'] as Format[]) {
      const t = gen('baseline', f).truth;
      expect(t).toMatchObject({ schema: 'tracelens.truth/v1', scenario: 'baseline', seed: 1, format: f, pathologies: [] });
    }
  });

  it('mixed shows all four pathologies across the formats, and says where each one is invisible', () => {
    const seen = new Set<string>();
    for (const f of ['perf-script', 'xenoprof'] as Format[]) {
      const t = gen('mixed', f).truth;
      for (const p of t.pathologies) seen.add(p.detector);
      for (const u of t.unobservable) expect(u.reason.length).toBeGreaterThan(10);
    }
    expect([...seen].sort()).toEqual(['gnttab-lock', 'irq-pinned', 'ring-full', 'tlb-per-syscall']);
  });

  it('xentrace states its TSC rate so readers can pass --cpu-hz', () => {
    expect(gen('baseline', 'xentrace').truth.meta.cpu_hz).toBe(2.5e9);
  });
});
