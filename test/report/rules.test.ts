import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/report/findings.js';
import { RuleError, evaluateRule, parseRule } from '../../src/report/rules.js';

function finding(detector: string, severity: Finding['severity'], metrics: Finding['metrics']): Finding {
  return { detector, severity, title: `${detector} finding`, message: '', metrics, evidence: {}, recommendation: 'do it', window: null };
}

const pinnedBusy = finding('irq-pinned', 'warning', { irq: 'vif1.0', cpu: 0, share: 0.99, rate_per_s: 500 });
const spreadBusy = finding('irq-pinned', 'info', { irq: 'eth0', cpu: 1, share: 0.5, rate_per_s: 5000 });
const ring = finding('ring-full', 'error', { queue: 'eth0-q0', stalled_fraction: 0.35, stalls: 548, p99_stall_ns: null });

const holds = (rule: string, findings: Finding[]) => evaluateRule(parseRule(rule), findings);

function errorOf(rule: string): RuleError {
  try {
    parseRule(rule);
  } catch (err) {
    if (err instanceof RuleError) return err;
    throw err;
  }
  throw new Error(`rule parsed: ${rule}`);
}

describe('--fail-if rules', () => {
  it('a conjunction must hold for one finding, not across findings', () => {
    expect(holds('irq-pinned.share > 0.9 && irq-pinned.rate_per_s > 1000', [pinnedBusy, spreadBusy])).toBe(false);
    expect(holds('irq-pinned.share > 0.9 && irq-pinned.rate_per_s > 100', [pinnedBusy, spreadBusy])).toBe(true);
    expect(holds('irq-pinned.share > 0.9 || irq-pinned.rate_per_s > 1000', [pinnedBusy, spreadBusy])).toBe(true);
  });

  it('every comparison operator, strings with == and !=, precedence and parentheses', () => {
    const f = [pinnedBusy];
    expect(['>= 0.99', '<= 0.99', '== 0.99', '> 0.98', '< 1', '!= 1'].every((c) => holds(`irq-pinned.share ${c}`, f))).toBe(true);
    expect(['> 0.99', '< 0.99', '!= 0.99', '>= 1'].some((c) => holds(`irq-pinned.share ${c}`, f))).toBe(false);
    expect(holds('irq-pinned.irq == "vif1.0"', f)).toBe(true);
    expect(holds('irq-pinned.irq != "vif1.0"', f)).toBe(false);
    // && binds tighter than ||: false || (true && true)
    expect(holds('irq-pinned.cpu == 1 || irq-pinned.cpu == 0 && irq-pinned.share > 0.9', f)).toBe(true);
    expect(holds('(irq-pinned.cpu == 1 || irq-pinned.cpu == 0) && irq-pinned.share > 0.999', f)).toBe(false);
    expect(holds('!(irq-pinned.cpu == 1)', f)).toBe(true);
    expect(holds('!!(irq-pinned.cpu == 1)', f)).toBe(false);
    expect(holds('irq-pinned.share>0.9&&irq-pinned.rate_per_s>=5e2', f)).toBe(true);
  });

  it('no findings: comparisons are false and their negation true; null metrics compare false', () => {
    expect(holds('ring-full.stalls > 0', [pinnedBusy])).toBe(false);
    expect(holds('!(ring-full.stalls > 0)', [pinnedBusy])).toBe(true);
    expect(holds('ring-full.p99_stall_ns >= 0', [ring])).toBe(false);
    expect(holds('ring-full.p99_stall_ns != 5', [ring])).toBe(false);
  });

  it('several detectors: one finding of each, chosen together', () => {
    expect(holds('irq-pinned.cpu == 0 && ring-full.stalled_fraction > 0.3', [spreadBusy, pinnedBusy, ring])).toBe(true);
    expect(holds('irq-pinned.cpu == 2 && ring-full.stalled_fraction > 0.3', [spreadBusy, pinnedBusy, ring])).toBe(false);
  });

  it('syntax errors name the 1-based column and show a caret', () => {
    const e = errorOf('irq-pinned.share > 0.9 &&');
    expect(e.column).toBe(26);
    expect(e.message).toContain('unexpected end of rule');
    expect(e.message).toMatch(/\n {2}irq-pinned\.share > 0\.9 &&\n {27}\^$/);
    expect(errorOf('irq-pinned.share >> 0.9').column).toBe(19);
    expect(errorOf('irq-pinned.share > 0.9 $').column).toBe(24);
    expect(errorOf('(irq-pinned.share > 0.9').message).toContain('expected ")"');
    expect(errorOf('irq-pinned.share 0.9').message).toContain('expected one of > >= < <= == !=');
    expect(errorOf('').message).toContain('empty rule');
    expect(errorOf('irq-pinned.share > 0.9 irq-pinned.cpu == 0').column).toBe(24);
  });

  it('unknown detectors, unknown metrics and type mismatches are errors, not silent gates', () => {
    expect(errorOf('irq-pined.share > 0.9').message).toMatch(/unknown detector "irq-pined" \(known: gnttab-lock/);
    expect(errorOf('x > 1 || irq-pinned.shar > 0.9').column).toBe(1);
    expect(errorOf('irq-pinned.cpu == 0 || irq-pinned.shar > 0.9')).toMatchObject({ column: 24 });
    expect(errorOf('irq-pinned.irq > "a"').message).toContain('only == and != apply');
    expect(errorOf('irq-pinned.irq == 1').message).toContain('is a string, compared with a number');
    expect(errorOf('ring-full.stalls == "many"').message).toContain('is a number, compared with a string');
  });
});
