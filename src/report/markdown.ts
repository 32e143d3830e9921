import type { FindingsDocument } from './findings.js';
import type { GateResult } from './gate.js';
import { metricText } from './gate.js';

/**
 * A short Markdown summary fit for a pull-request comment: verdict, findings table
 * (severity, detector, key metrics, recommendation), skipped detectors with their capture
 * command, inputs. Everything from a trace (IRQ and task names, stack text, paths) goes
 * through `cell`, because `|` would split a table cell and backticks, `*`, `_`, `<` would
 * turn into formatting or HTML in the comment. Deterministic: document order only.
 */
export function renderMarkdown(doc: FindingsDocument, gate: GateResult): string {
  const out: string[] = [];
  const verdict = gate.failed ? '❌ gate failed' : '✅ gate passed';
  const counts = (['error', 'warning', 'info'] as const)
    .map((sev) => [sev, doc.findings.filter((f) => f.severity === sev).length] as const)
    .filter(([, n]) => n > 0)
    .map(([sev, n]) => `${n} ${sev}`);
  out.push(`### tracelens: ${doc.findings.length === 0 ? 'no findings' : `${doc.findings.length} finding${doc.findings.length > 1 ? 's' : ''} (${counts.join(', ')})`} — ${verdict}`, '');
  const gateParts = [`fail-on: ${gate.failOn}`, ...gate.rules.map((r) => `fail-if ${code(r.rule)}: ${r.matched ? 'matched' : 'not matched'}`)];
  out.push(`Gate — ${gateParts.join(' · ')}`, '');
  if (doc.findings.length > 0) {
    out.push('| severity | detector | key metrics | recommendation |', '|---|---|---|---|');
    for (const f of doc.findings) {
      out.push(`| ${f.severity} | ${cell(f.detector)} | ${cell(metricText(f.metrics, 5))} | ${cell(firstSentence(f.recommendation))} |`);
    }
    out.push('');
  }
  if (doc.skipped.length > 0) {
    out.push('**Not checked** (the trace lacks the signal):', '', '| detector | reason | capture |', '|---|---|---|');
    for (const s of doc.skipped) out.push(`| ${cell(s.detector)} | ${cell(s.reason)} | ${cell(s.capture_hint)} |`);
    out.push('');
  }
  out.push('**Inputs:**', '', '| input | format | events | duration |', '|---|---|---|---|');
  for (const i of doc.inputs) {
    const duration = i.duration_ns === null ? '—' : `${(i.duration_ns / 1e6).toFixed(1)} ms`;
    out.push(`| ${cell(i.path)} | ${cell(i.format)} | ${i.events} | ${duration} |`);
  }
  return `${out.join('\n')}\n`;
}

/** A comment, not the report: the first sentence of the advice (the JSON has all of it). */
function firstSentence(s: string, max = 200): string {
  const end = s.search(/[.;:](\s|$)/);
  const head = end >= 0 ? s.slice(0, end + 1) : s;
  return head.length > max ? `${head.slice(0, max - 1)}…` : head;
}

/** One table cell: Markdown specials backslash-escaped, HTML neutralised, one line. */
export function cell(s: string): string {
  return s
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/[\u0000-\u001f\u007f]/g, '');
}

/** A rule shown as code: a fence longer than any backtick run inside it (CommonMark). */
function code(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}
