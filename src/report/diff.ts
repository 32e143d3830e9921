import type { MetricValue } from '../detectors/registry.js';
import type { Finding, FindingsDocument } from './findings.js';
import { FINDINGS_SCHEMA, SEVERITY_RANK } from './findings.js';
import type { Worse } from './metrics.js';
import { SUBJECT, worseDirection } from './metrics.js';

/**
 * `tracelens diff base.json head.json`: what changed between two findings documents.
 *
 * Findings are matched by detector + subject — the metric naming what the finding is about
 * (`metrics.SUBJECT`: irq-pinned `irq`, ring-full `queue`, hot-lock `lock`, tlb-per-syscall
 * `task`, gnttab-lock `source`); the n-th finding with the same key in base pairs with the
 * n-th in head. Each pair gets per-metric before/after/delta; unpaired head findings are
 * new, unpaired base findings resolved.
 *
 * A regression is (a) a new finding of severity warning or error, or (b) a numeric metric of
 * a paired finding worsening by more than `maxRegressionPct` percent of its base value, in
 * the metric's worse direction (`metrics.ts`: shares, fractions, rates, stalls and waits are
 * worse higher; grant-copy `mean_batch` and `mm_share_of_flushes` worse lower; identities and
 * workload counts are never judged). Worsening from a base of 0 counts as beyond any limit.
 */
export const DIFF_SCHEMA = 'tracelens.diff/v1';

export interface MetricDelta {
  metric: string;
  /** null when the metric is null or absent on that side. */
  before: MetricValue;
  after: MetricValue;
  /** after − before when both are numbers, else null. */
  delta: number | null;
  /** delta as a percent of |before|; null when not numeric or before is 0. */
  delta_pct: number | null;
  worse: Worse;
  regression: boolean;
}

export interface DiffEntry {
  detector: string;
  subject: string | null;
  status: 'new' | 'resolved' | 'changed' | 'unchanged';
  severity: { before: Finding['severity'] | null; after: Finding['severity'] | null };
  title: string;
  regression: boolean;
  metrics: MetricDelta[];
}

export interface DiffResult {
  schema: typeof DIFF_SCHEMA;
  max_regression_pct: number;
  regression: boolean;
  summary: { new: number; resolved: number; changed: number; unchanged: number; regressions: number };
  entries: DiffEntry[];
}

/** Input that is not a findings document: the CLI exits 2 with this message. */
export class DiffInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiffInputError';
  }
}

/** Check the parts of a parsed file that diff relies on; `source` names it in messages. */
export function asFindingsDocument(raw: unknown, source: string): FindingsDocument {
  const doc = raw as Partial<FindingsDocument> | null;
  if (typeof doc !== 'object' || doc === null || doc.schema !== FINDINGS_SCHEMA) {
    throw new DiffInputError(`${source}: not a findings document (expected "schema": "${FINDINGS_SCHEMA}", from tracelens analyze --json)`);
  }
  if (!Array.isArray(doc.findings)) throw new DiffInputError(`${source}: "findings" is not an array`);
  doc.findings.forEach((f, i) => {
    const ok = typeof f === 'object' && f !== null && typeof f.detector === 'string' && f.severity in SEVERITY_RANK && typeof f.metrics === 'object' && f.metrics !== null;
    if (!ok) throw new DiffInputError(`${source}: findings[${i}] lacks detector, severity or metrics`);
  });
  return doc as FindingsDocument;
}

export function diffFindings(base: FindingsDocument, head: FindingsDocument, maxRegressionPct = 10): DiffResult {
  const pending = new Map<string, Finding[]>();
  for (const f of base.findings) {
    const k = key(f);
    pending.set(k, [...(pending.get(k) ?? []), f]);
  }
  const entries: DiffEntry[] = [];
  for (const after of head.findings) {
    const before = pending.get(key(after))?.shift();
    if (before === undefined) {
      entries.push(entry(after, 'new', null, after, SEVERITY_RANK[after.severity] >= SEVERITY_RANK.warning, metricDeltas({}, after.metrics, after.detector, Infinity)));
      continue;
    }
    const metrics = metricDeltas(before.metrics, after.metrics, after.detector, maxRegressionPct);
    const same = before.severity === after.severity && metrics.every((m) => m.before === m.after);
    entries.push(entry(after, same ? 'unchanged' : 'changed', before, after, metrics.some((m) => m.regression), metrics));
  }
  // Whatever base findings were not paired are gone in head, in base order.
  for (const f of base.findings) {
    if (pending.get(key(f))?.includes(f)) entries.push(entry(f, 'resolved', f, null, false, metricDeltas(f.metrics, {}, f.detector, Infinity)));
  }
  const count = (s: DiffEntry['status']) => entries.filter((e) => e.status === s).length;
  const regressions = entries.filter((e) => e.regression).length;
  return {
    schema: DIFF_SCHEMA,
    max_regression_pct: maxRegressionPct,
    regression: regressions > 0,
    summary: { new: count('new'), resolved: count('resolved'), changed: count('changed'), unchanged: count('unchanged'), regressions },
    entries,
  };
}

function subjectOf(f: Finding): string | null {
  const v = f.metrics[SUBJECT[f.detector] ?? ''];
  return v === undefined || v === null ? null : String(v);
}

function key(f: Finding): string {
  return `${f.detector}\u0000${subjectOf(f) ?? ''}`;
}

function entry(f: Finding, status: DiffEntry['status'], before: Finding | null, after: Finding | null, regression: boolean, metrics: MetricDelta[]): DiffEntry {
  return {
    detector: f.detector,
    subject: subjectOf(f),
    status,
    severity: { before: before?.severity ?? null, after: after?.severity ?? null },
    title: f.title,
    regression,
    metrics,
  };
}

function metricDeltas(before: Record<string, MetricValue>, after: Record<string, MetricValue>, detector: string, limitPct: number): MetricDelta[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return names.map((metric) => {
    const b = before[metric];
    const a = after[metric];
    const worse = worseDirection(detector, metric);
    const numeric = typeof a === 'number' && typeof b === 'number';
    const delta = numeric ? round(a - b) : null;
    const deltaPct = numeric && b !== 0 ? round(((a - b) / Math.abs(b)) * 100, 2) : null;
    // Worsening: the signed change in the bad direction, as a percent of base (∞ from 0).
    const bad = delta === null || worse === 'none' ? 0 : worse === 'higher' ? delta : -delta;
    const badPct = bad <= 0 ? 0 : numeric && b !== 0 ? (bad / Math.abs(b)) * 100 : Infinity;
    return { metric, before: b ?? null, after: a ?? null, delta, delta_pct: deltaPct, worse, regression: badPct > limitPct };
  });
}

/** Float noise (0.1 + 0.2) would make the JSON differ between equal inputs' reruns. */
function round(x: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
