import { DETECTORS } from '../detectors/registry.js';
import type { Finding, FindingsDocument } from './findings.js';
import type { GateResult } from './gate.js';
import { metricText } from './gate.js';

/**
 * JUnit XML for CI test reports (GitHub, GitLab, Jenkins all read it). One test case per
 * detector, in registry order, then one per `--fail-if` rule in the order given:
 *
 *   failure — the detector has findings at or above `--fail-on` (type = the worst severity;
 *             the body lists each finding's title, metrics and recommendation), or the rule matched;
 *   skipped — the detector could not run on any input (message: reason and capture command);
 *   passed  — otherwise; findings below the gate are listed in <system-out>.
 *
 * Shape follows the common JUnit schema (Jenkins' junit-10.xsd, which GitLab and the
 * GitHub reporters accept): <testsuites> › <testsuite name tests failures errors skipped> ›
 * <testcase classname name> › <failure message type> | <skipped message> | <system-out>.
 * No time or timestamp attributes (both optional): the file must be deterministic.
 */
export function renderJunit(doc: FindingsDocument, gate: GateResult): string {
  const inputs = doc.inputs.map((i) => i.path).join(', ') || 'no input';
  const failing = new Set(gate.failing);
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const { id } of DETECTORS) {
    const own = doc.findings.filter((f) => f.detector === id);
    const bad = own.filter((f) => failing.has(f));
    const skips = doc.skipped.filter((s) => s.detector === id);
    const head = `    <testcase classname="tracelens.${attr(id)}" name="${attr(`${id} on ${inputs}`)}"`;
    if (bad.length > 0) {
      failures++;
      const worst = bad[0].severity; // documents hold findings worst first
      const message = `${bad.length} finding${bad.length > 1 ? 's' : ''} at or above ${gate.failOn}: ${bad[0].title}`;
      cases.push(`${head}>\n      <failure message="${attr(message)}" type="${worst}">${text(bad.map(describe).join('\n\n'))}</failure>\n    </testcase>`);
    } else if (own.length === 0 && skips.length >= Math.max(1, doc.inputs.length)) {
      skipped++;
      const message = skips.map((s) => `${s.reason} — capture: ${s.capture_hint}`).join('; ');
      cases.push(`${head}>\n      <skipped message="${attr(message)}"/>\n    </testcase>`);
    } else if (own.length > 0) {
      cases.push(`${head}>\n      <system-out>${text(own.map(describe).join('\n\n'))}</system-out>\n    </testcase>`);
    } else {
      cases.push(`${head}/>`);
    }
  }
  for (const r of gate.rules) {
    const head = `    <testcase classname="tracelens.rules" name="${attr(`fail-if ${r.rule}`)}"`;
    if (r.matched) {
      failures++;
      cases.push(`${head}>\n      <failure message="${attr(`rule matched: ${r.rule}`)}" type="fail-if">${text(`--fail-if ${r.rule}`)}</failure>\n    </testcase>`);
    } else {
      cases.push(`${head}/>`);
    }
  }
  const counts = `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // <testsuites> carries no `skipped` attribute in junit-10.xsd, only <testsuite> does.
    `<testsuites name="tracelens" tests="${cases.length}" failures="${failures}" errors="0">`,
    `  <testsuite name="tracelens" ${counts}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function describe(f: Finding): string {
  return `[${f.severity.toUpperCase()}] ${f.title}\nmetrics: ${metricText(f.metrics)}\nrecommendation: ${f.recommendation}`;
}

/** XML 1.0 cannot carry most control characters even escaped: drop them (traces do hold them). */
function clean(s: string): string {
  return s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values: also quotes, and whitespace as references so parsers keep newlines. */
function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
