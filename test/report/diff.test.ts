import { describe, expect, it } from 'vitest';
import { DiffInputError, asFindingsDocument, diffFindings } from '../../src/report/diff.js';
import { renderDiffText } from '../../src/report/diff-text.js';
import type { Finding } from '../../src/report/findings.js';
import { findingsDocument } from '../../src/report/findings.js';

function finding(detector: string, severity: Finding['severity'], metrics: Finding['metrics']): Finding {
  return { detector, severity, title: `${detector} t`, message: '', metrics, evidence: {}, recommendation: '', window: null };
}
const doc = (...findings: Finding[]) => findingsDocument([], findings, []);

describe('diff', () => {
  const base = doc(
    finding('irq-pinned', 'warning', { irq: 'vif1.0', cpu: 0, share: 0.9, rate_per_s: 1000 }),
    finding('ring-full', 'warning', { queue: 'eth0-q0', stalled_fraction: 0.2, stalls: 100, packets: 1000 }),
    finding('gnttab-lock', 'warning', { spin_share: 0.3, mean_batch: 10, source: 'callchains' }),
  );

  it('pairs findings by detector + subject and gives before/after/delta per metric', () => {
    const head = doc(
      finding('irq-pinned', 'warning', { irq: 'vif1.0', cpu: 1, share: 0.95, rate_per_s: 1050 }),
      finding('ring-full', 'warning', { queue: 'eth0-q0', stalled_fraction: 0.2, stalls: 100, packets: 1000 }),
      finding('gnttab-lock', 'warning', { spin_share: 0.3, mean_batch: 10, source: 'callchains' }),
    );
    const d = diffFindings(base, head);
    expect(d.regression).toBe(false);
    expect(d.summary).toEqual({ new: 0, resolved: 0, changed: 1, unchanged: 2, regressions: 0 });
    expect(d.entries[0]).toMatchObject({ detector: 'irq-pinned', subject: 'vif1.0', status: 'changed' });
    expect(d.entries[0].metrics.find((m) => m.metric === 'share')).toEqual({ metric: 'share', before: 0.9, after: 0.95, delta: 0.05, delta_pct: 5.56, worse: 'higher', regression: false });
    expect(d.entries[0].metrics.find((m) => m.metric === 'cpu')).toMatchObject({ before: 0, after: 1, worse: 'none', regression: false });
  });

  it('a metric worse by more than the limit, in its worse direction, is a regression', () => {
    const head = doc(
      finding('irq-pinned', 'warning', { irq: 'vif1.0', cpu: 0, share: 0.9, rate_per_s: 1200 }), // +20%: worse
      finding('ring-full', 'warning', { queue: 'eth0-q0', stalled_fraction: 0.1, stalls: 50, packets: 5000 }), // better; packets unjudged
      finding('gnttab-lock', 'warning', { spin_share: 0.3, mean_batch: 5, source: 'callchains' }), // smaller batches: worse
    );
    const d = diffFindings(base, head, 10);
    expect(d.entries.map((e) => e.regression)).toEqual([true, false, true]);
    expect(d.entries[1].metrics.every((m) => !m.regression)).toBe(true);
    expect(diffFindings(base, head, 60).regression).toBe(false); // -50% batch, +20% rate: within 60%
    expect(diffFindings(base, head, 25).entries.map((e) => e.regression)).toEqual([false, false, true]);
  });

  it('new findings at warning or above regress; new info and resolved findings do not', () => {
    const head = doc(
      finding('irq-pinned', 'warning', { irq: 'vif1.0', cpu: 0, share: 0.9, rate_per_s: 1000 }),
      finding('hot-lock', 'info', { lock: 'rq->lock', share: 0.2 }),
    );
    const d = diffFindings(base, head);
    expect(d.summary).toEqual({ new: 1, resolved: 2, changed: 0, unchanged: 1, regressions: 0 });
    expect(d.entries.map((e) => [e.detector, e.status])).toEqual([
      ['irq-pinned', 'unchanged'],
      ['hot-lock', 'new'],
      ['ring-full', 'resolved'],
      ['gnttab-lock', 'resolved'],
    ]);
    const worse = diffFindings(base, doc(...head.findings, finding('ring-full', 'warning', { queue: 'eth0-q1', stalls: 3 })));
    expect(worse.entries.find((e) => e.subject === 'eth0-q1')).toMatchObject({ status: 'new', regression: true });
    expect(worse.regression).toBe(true);
  });

  it('worsening from a base of zero is beyond any limit', () => {
    const b = doc(finding('ring-full', 'warning', { queue: 'q', stalls: 0 }));
    const h = doc(finding('ring-full', 'warning', { queue: 'q', stalls: 1 }));
    expect(diffFindings(b, h, 1000).entries[0].metrics[1]).toMatchObject({ delta: 1, delta_pct: null, regression: true });
  });

  it('text output leads with the verdict and lists what changed', () => {
    const head = doc(finding('irq-pinned', 'error', { irq: 'vif1.0', cpu: 0, share: 0.9, rate_per_s: 1200 }));
    const text = renderDiffText(diffFindings(base, head), 'base.json', 'head.json');
    expect(text.split('\n').slice(0, 3)).toEqual([
      'tracelens diff base.json → head.json',
      'REGRESSION: 1 finding regressed (new at warning or above, or a metric worse by more than 10%)',
      '0 new · 2 resolved · 1 changed · 0 unchanged',
    ]);
    expect(text).toContain('✗ [WARNING → ERROR] irq-pinned vif1.0');
    expect(text).toMatch(/rate_per_s +1000 → 1200 \(\+200, \+20%\) {2}worse beyond the limit \(higher is worse\)/);
  });

  it('rejects what is not a findings document', () => {
    expect(() => asFindingsDocument({ schema: 'tracelens.truth/v1' }, 'x.json')).toThrow(DiffInputError);
    expect(() => asFindingsDocument({ schema: 'tracelens.findings/v1', findings: {} }, 'x.json')).toThrow(/not an array/);
    expect(() => asFindingsDocument({ schema: 'tracelens.findings/v1', findings: [{ detector: 'x' }] }, 'x.json')).toThrow(/findings\[0\]/);
    expect(() => asFindingsDocument(null, 'x.json')).toThrow(/x\.json: not a findings document/);
  });
});
