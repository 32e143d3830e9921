import type { DiffEntry, DiffResult, MetricDelta } from './diff.js';

/**
 * The terminal rendering of a diff: verdict first (what a CI log reader needs), then new,
 * resolved and changed findings, each changed metric as before → after (delta).
 * Unchanged findings are counted, not listed: they are the noise of a green run.
 */
export function renderDiffText(diff: DiffResult, basePath: string, headPath: string): string {
  const s = diff.summary;
  const out = [
    `tracelens diff ${basePath} → ${headPath}`,
    diff.regression
      ? `REGRESSION: ${s.regressions} finding${s.regressions > 1 ? 's' : ''} regressed (new at warning or above, or a metric worse by more than ${diff.max_regression_pct}%)`
      : `no regression (limit ${diff.max_regression_pct}%)`,
    `${s.new} new · ${s.resolved} resolved · ${s.changed} changed · ${s.unchanged} unchanged`,
  ];
  const section = (title: string, entries: DiffEntry[], body: (e: DiffEntry) => string[]) => {
    if (entries.length === 0) return;
    out.push('', `${title}:`);
    for (const e of entries) out.push(`  ${e.regression ? '✗' : ' '} ${label(e)}`, ...body(e).map((l) => `        ${l}`));
  };
  section('New', diff.entries.filter((e) => e.status === 'new'), (e) => [e.title]);
  section('Resolved', diff.entries.filter((e) => e.status === 'resolved'), (e) => [e.title]);
  section('Changed', diff.entries.filter((e) => e.status === 'changed'), (e) => e.metrics.filter((m) => m.before !== m.after).map(metricLine));
  return `${out.join('\n')}\n`;
}

function label(e: DiffEntry): string {
  const sev = e.severity.before === e.severity.after || e.severity.before === null || e.severity.after === null
    ? (e.severity.after ?? e.severity.before ?? '')
    : `${e.severity.before} → ${e.severity.after}`;
  return `[${sev.toUpperCase()}] ${e.detector}${e.subject !== null ? ` ${e.subject}` : ''}`;
}

function metricLine(m: MetricDelta): string {
  const change = m.delta === null ? '' : ` (${m.delta > 0 ? '+' : ''}${m.delta}${m.delta_pct !== null ? `, ${m.delta_pct > 0 ? '+' : ''}${m.delta_pct}%` : ''})`;
  const judged = m.regression ? `  worse beyond the limit (${m.worse} is worse)` : '';
  return `${m.metric.padEnd(26)} ${String(m.before)} → ${String(m.after)}${change}${judged}`;
}
