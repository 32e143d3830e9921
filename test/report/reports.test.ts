import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, mergeConfig, parseConfig } from '../../src/report/config.js';
import type { Finding, FindingsDocument } from '../../src/report/findings.js';
import { findingsDocument } from '../../src/report/findings.js';
import { evaluateGate } from '../../src/report/gate.js';
import type { InputSummary } from '../../src/report/input-summary.js';
import { renderJunit } from '../../src/report/junit.js';
import { cell, renderMarkdown } from '../../src/report/markdown.js';
import { parseRule } from '../../src/report/rules.js';
import { junitProblems, parseXml } from './junit-check.js';

const input: InputSummary = {
  path: 'traces/a|b`c.perf.txt',
  format: 'perf-script',
  bytes: 10,
  events: 5,
  samples: 0,
  cpus: 2,
  duration_ns: 2_500_000,
  per_cpu: { 0: 5 },
  by_kind: { irq_entry: 5 },
  diagnostics: [],
} as InputSummary;

function finding(detector: string, severity: Finding['severity'], metrics: Finding['metrics'], title = `${detector} <title> & "q"`): Finding {
  return { detector, severity, title, message: 'm', metrics, evidence: {}, recommendation: 'Run `irqbalance` | pin <N>. Then more.', window: null };
}

const doc: FindingsDocument = findingsDocument(
  [input],
  [
    finding('irq-pinned', 'warning', { irq: 'vif1.0|`x`', cpu: 0, share: 1, rate_per_s: 15085.58, irq_number: null }),
    finding('ring-full', 'error', { queue: 'eth0-q0', stalled_fraction: 0.35, stalls: 548 }),
    finding('hot-lock', 'info', { lock: 'rq->lock\u0001', share: 0.4 }),
  ],
  [{ detector: 'gnttab-lock', reason: 'no grant frames', capture_hint: "perf record -a -g -- sleep 10   # 'dom0' | <x>" }],
);
const xmllint = spawnSync('xmllint', ['--version']).status === 0;

describe('JUnit report', () => {
  const gate = evaluateGate(doc, 'warning', [{ text: 'ring-full.stalls > 100 && ring-full.queue == "eth0-q0"', ast: parseRule('ring-full.stalls > 100 && ring-full.queue == "eth0-q0"') }]);
  const xml = renderJunit(doc, gate);

  it('fits the common JUnit schema and its counts add up', () => {
    expect(junitProblems(xml)).toEqual([]);
  });

  it('one case per detector in registry order, then one per rule: failure at/above the gate, skipped with the capture hint', () => {
    const suite = parseXml(xml).children[0];
    expect(suite.attrs).toEqual({ name: 'tracelens', tests: '6', failures: '3', errors: '0', skipped: '1' });
    const cases = suite.children;
    expect(cases.map((c) => c.attrs.classname)).toEqual(['tracelens.gnttab-lock', 'tracelens.tlb-per-syscall', 'tracelens.irq-pinned', 'tracelens.ring-full', 'tracelens.hot-lock', 'tracelens.rules']);
    expect(cases[2].attrs.name).toBe('irq-pinned on traces/a|b`c.perf.txt');
    expect(cases[0].children[0]).toMatchObject({ name: 'skipped', attrs: { message: "no grant frames — capture: perf record -a -g -- sleep 10   # 'dom0' | <x>" } });
    expect(cases[1].children).toEqual([]); // ran, nothing found: a pass
    const irq = cases[2].children[0];
    expect(irq.attrs).toEqual({ message: '1 finding at or above warning: irq-pinned <title> & "q"', type: 'warning' });
    expect(irq.text).toContain('metrics: irq vif1.0|`x` · cpu 0 · share 1 · rate_per_s 15085.58');
    expect(irq.text).toContain('recommendation: Run `irqbalance` | pin <N>.');
    expect(cases[3].children[0].attrs.type).toBe('error');
    expect(cases[4].children[0].name).toBe('system-out'); // info: below the gate
    expect(cases[4].children[0].text).toContain('lock rq->lock share 0.4'.replace(' share', ' · share'));
    expect(cases[5].children[0].attrs).toMatchObject({ type: 'fail-if' });
  });

  it('is byte-identical for the same document', () => {
    expect(renderJunit(doc, gate)).toBe(xml);
  });

  it('without a gate nothing fails', () => {
    const open = renderJunit(doc, evaluateGate(doc, 'none'));
    expect(parseXml(open).children[0].attrs.failures).toBe('0');
    expect(junitProblems(open)).toEqual([]);
  });

  it('the structural check catches what breaks CI parsers', () => {
    expect(junitProblems(xml.replace('name="tracelens" tests="6" failures="3" errors="0" skipped="1"', 'tests="6" failures="3" errors="0" skipped="1"'))).toContain('<testsuite> lacks name');
    expect(junitProblems(xml.replace('<system-out>', '<stdout>').replace('</system-out>', '</stdout>'))).toContain('<stdout> inside <testcase>');
    expect(junitProblems(xml.replace('&lt;title&gt;', '<title>'))[0]).toMatch(/raw <|malformed|closes/);
    expect(junitProblems(xml.replace('tests="6" failures="3" errors="0" skipped="1"', 'tests="5" failures="3" errors="0" skipped="1"'))).toContain('tests=5, 6 test cases');
  });

  it.runIf(xmllint)('validates with xmllint against the schema', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracelens-junit-'));
    const file = join(dir, 'junit.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--schema', join(import.meta.dirname, 'fixtures', 'junit.xsd'), file]);
    expect(r.stderr.toString()).toContain('validates');
    expect(r.status).toBe(0);
  });
});

describe('Markdown summary', () => {
  const md = renderMarkdown(doc, evaluateGate(doc, 'error'));

  it('verdict, findings table, skipped detectors and inputs', () => {
    expect(md.split('\n')[0]).toBe('### tracelens: 3 findings (1 error, 1 warning, 1 info) — ❌ gate failed');
    expect(md).toContain('| severity | detector | key metrics | recommendation |');
    expect(md).toContain('| error | ring-full | queue eth0-q0 · stalled\\_fraction 0.35 · stalls 548 | Run \\`irqbalance\\` \\| pin &lt;N&gt;. |');
    expect(md).toContain('| gnttab-lock | no grant frames |');
    expect(md).toContain('| traces/a\\|b\\`c.perf.txt | perf-script | 5 | 2.5 ms |');
  });

  it('every table row keeps its column count whatever the trace strings hold', () => {
    const rows = md.split('\n').filter((l) => l.startsWith('|'));
    for (const row of rows) {
      const cells = row.replace(/\\\|/g, '').split('|').length - 2;
      expect([3, 4]).toContain(cells);
    }
    expect(md).not.toContain('\u0001\n|');
  });

  it('cell escapes Markdown and HTML and stays on one line', () => {
    expect(cell('a|b `c` *d* _e_ <f> [g](h) #1 \\ x\ny')).toBe('a\\|b \\`c\\` \\*d\\* \\_e\\_ &lt;f&gt; \\[g\\](h) \\#1 \\\\ x y');
  });

  it('is deterministic', () => {
    expect(renderMarkdown(doc, evaluateGate(doc, 'error'))).toBe(md);
  });
});

describe('tracelens.config.json', () => {
  it('accepts set, failOn and failIf; flags override it', () => {
    const config = parseConfig('{ "set": { "irq-pinned.min_share": 0.9 }, "failOn": "warning", "failIf": ["ring-full.stalls > 0"] }', 'c.json');
    expect(mergeConfig(config, { set: [], failIf: [] })).toEqual({ set: ['irq-pinned.min_share=0.9'], failOn: 'warning', failIf: ['ring-full.stalls > 0'] });
    expect(mergeConfig(config, { set: ['irq-pinned.min_share=0.5'], failOn: 'error', failIf: ['hot-lock.share > 0.5'] })).toEqual({
      set: ['irq-pinned.min_share=0.9', 'irq-pinned.min_share=0.5'],
      failOn: 'error',
      failIf: ['hot-lock.share > 0.5'],
    });
    expect(mergeConfig({}, { set: [], failIf: [] }).failOn).toBe('none');
  });

  it('unknown keys and bad values are errors naming them', () => {
    expect(() => parseConfig('{ "failon": "warning", "sets": {} }', 'c.json')).toThrow(/c\.json: unknown keys "failon", "sets"/);
    expect(() => parseConfig('{ "failOn": "sometimes" }', 'c.json')).toThrow(ConfigError);
    expect(() => parseConfig('{ "set": { "a.b": "x" } }', 'c.json')).toThrow(/set\.a\.b must be a number/);
    expect(() => parseConfig('{ "failIf": [1] }', 'c.json')).toThrow(/failIf/);
    expect(() => parseConfig('[]', 'c.json')).toThrow(/expected a JSON object/);
    expect(() => parseConfig('{', 'c.json')).toThrow(/not valid JSON/);
  });
});
