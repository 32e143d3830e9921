import type { TraceModel } from '../model/trace-model.js';
import type { MetricValue } from '../detectors/registry.js';
import type { Finding, Skipped } from './findings.js';
import type { InputSummary } from './input-summary.js';
import { SECTIONS } from './sections/index.js';
import { int } from './sections/section.js';

/**
 * The terminal summary: findings first (worst first — the caller passes them sorted), each
 * with its key numbers and advice; then the detectors that could not run and how to feed
 * them; then what each input holds.
 */
export function renderText(findings: Finding[], inputs: { model: TraceModel; summary: InputSummary }[], skipped: Skipped[] = []): string {
  const out: string[] = [];
  out.push(findings.length === 0 ? 'Findings: none' : `Findings (${findings.length}, worst first):`);
  for (const f of findings) {
    out.push(`  [${f.severity.toUpperCase()}] ${f.detector}: ${f.title}`);
    out.push(`      ${keyNumbers(f.metrics)}`);
    out.push(`      ${f.message}`);
    out.push(`      → ${f.recommendation}`);
  }
  if (skipped.length > 0) {
    out.push('', 'Not checked (the trace lacks the signal):');
    for (const s of skipped) {
      out.push(`  ${s.detector}: ${s.reason}`);
      out.push(`      capture: ${s.capture_hint}`);
    }
  }
  for (const { model, summary } of inputs) out.push('', ...renderInput(model, summary));
  return `${out.join('\n')}\n`;
}

/** `share 0.998 · cpu 1 · rate_per_s 5000`: every metric that has a value, in the detector's order. */
function keyNumbers(metrics: Record<string, MetricValue>): string {
  return Object.entries(metrics)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(' · ');
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return int(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : String(v);
}


function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function span(ns: number | null): string {
  if (ns === null) return 'no timestamps in this trace';
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e3).toFixed(3)} µs`;
}

function renderInput(model: TraceModel, s: InputSummary): string[] {
  const out = [`== ${s.path} ==`];
  const row = (label: string, value: string) => out.push(`${label.padEnd(12)} ${value}`);
  row('format', `${s.format}, ${bytes(s.bytes)}${model.meta.header['converted by'] ? ` (via ${model.meta.header['converted by']})` : ''}`);
  row('time span', span(s.duration_ns));
  const cpuSource = model.meta.cpuCount !== null ? ' (stated by the trace)' : ' (highest CPU seen in records + 1)';
  row('CPUs', s.cpus > 0 ? `${s.cpus}${cpuSource}` : 'unknown (the records carry no CPU)');
  row('events', `${int(s.events)} (${int(s.samples)} profile samples)`);
  const kinds = Object.entries(s.by_kind).sort((a, b) => b[1] - a[1]);
  row('by kind', kinds.map(([k, n]) => `${k} ${int(n)}`).join(' · ') || 'none');
  const cpus = Object.entries(s.per_cpu).map(([c, n]) => `${c === '-1' ? 'cpu?' : `cpu${c}`} ${int(n)}`);
  row('per CPU', cpus.join(' · ') || 'none');

  for (const section of SECTIONS) if (section.applies(model)) out.push('', ...section.text(model));
  out.push('', s.diagnostics.length === 0 ? 'Diagnostics: none' : 'Diagnostics:');
  for (const d of s.diagnostics) {
    const where = d.first.line !== undefined ? `line ${d.first.line}` : d.first.byte !== undefined ? `byte ${d.first.byte}` : '';
    out.push(`  ${d.severity.padEnd(7)} ${d.code} ×${int(d.count)}: ${d.message}`);
    if (where || d.first.excerpt) out.push(`          first at ${where}${d.first.excerpt ? `: ${d.first.excerpt}` : ''}`);
  }
  return out;
}
