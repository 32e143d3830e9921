import type { Finding, FindingSeverity, FindingsDocument } from './findings.js';
import { SEVERITY_RANK } from './findings.js';
import type { RuleAst } from './rules.js';
import { evaluateRule } from './rules.js';

/**
 * The CI verdict on one findings document: `--fail-on` (a finding at or above a severity)
 * and `--fail-if` rules. One evaluation feeds the exit code, the JUnit file and the
 * Markdown summary, so the three can never disagree.
 */
export interface GateResult {
  failOn: FindingSeverity | 'none';
  /** Findings at or above `failOn` (none when failOn is 'none'), in document order. */
  failing: Finding[];
  rules: { rule: string; matched: boolean }[];
  failed: boolean;
}

export function evaluateGate(doc: FindingsDocument, failOn: FindingSeverity | 'none', rules: { text: string; ast: RuleAst }[] = []): GateResult {
  const failing = failOn === 'none' ? [] : doc.findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
  const ruleResults = rules.map((r) => ({ rule: r.text, matched: evaluateRule(r.ast, doc.findings) }));
  return { failOn, failing, rules: ruleResults, failed: failing.length > 0 || ruleResults.some((r) => r.matched) };
}

/** `share 1 · cpu 0 · rate_per_s 15085.58`: non-null metrics in the detector's order. */
export function metricText(metrics: Finding['metrics'], limit = Infinity): string {
  return Object.entries(metrics)
    .filter(([, v]) => v !== null)
    .slice(0, limit)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
}
