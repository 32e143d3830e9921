import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tracelens-diff-'));
const doc = (name: string) => join(dir, `${name}.json`);

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Findings documents from simulated traces: the same pathology at two seeds, and a different one. */
beforeAll(() => {
  for (const [name, scenario, seed] of [['base', 'irq-vcpu0', '1'], ['same', 'irq-vcpu0', '2'], ['ring', 'ring-full', '1']]) {
    const trace = join(dir, `${name}.txt`);
    expect(run(['simulate', '--scenario', scenario, '--seed', seed, '--format', 'perf-script', '--out', trace]).code).toBe(0);
    expect(run(['analyze', trace, '-q', '--json', doc(name)]).code).toBe(0);
  }
});

describe('tracelens diff', () => {
  it('same pathology, small drift: exit 0 with per-metric before → after', () => {
    const r = run(['diff', doc('base'), doc('same')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no regression (limit 10%)');
    expect(r.stdout).toMatch(/rate_per_s +15084\.37 → \d+\.\d+ \(/);
  });

  it('new findings at warning or above: exit 1; the reverse direction resolves them: exit 0', () => {
    const r = run(['diff', doc('base'), doc('ring')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('REGRESSION');
    expect(r.stdout).toMatch(/✗ \[ERROR\] ring-full eth0-q0/);
    expect(r.stdout).toMatch(/Resolved:\n {4}\[WARNING\] irq-pinned vif1\.0/);
    expect(run(['diff', doc('ring'), doc('base')]).code).toBe(1); // irq-pinned is new there
    expect(run(['diff', doc('ring'), doc('ring')]).code).toBe(0);
  });

  it('--max-regression: a metric worse by more than the limit fails the diff', () => {
    const head = JSON.parse(readFileSync(doc('base'), 'utf8'));
    head.findings[0].metrics.rate_per_s *= 1.2;
    writeFileSync(doc('hotter'), JSON.stringify(head));
    expect(run(['diff', doc('base'), doc('hotter')]).code).toBe(1);
    expect(run(['diff', doc('base'), doc('hotter'), '--max-regression', '25']).code).toBe(0);
    expect(run(['diff', doc('hotter'), doc('base')]).code).toBe(0); // an improvement
    expect(run(['diff', doc('base'), doc('hotter'), '--max-regression', 'lots']).code).toBe(2);
  });

  it('--json: the diff document on stdout, deterministic', () => {
    const a = run(['diff', doc('base'), doc('ring'), '--json', '-']);
    const b = run(['diff', doc('base'), doc('ring'), '--json', '-']);
    expect(a.stdout).toBe(b.stdout);
    const d = JSON.parse(a.stdout);
    expect(d).toMatchObject({ schema: 'tracelens.diff/v1', max_regression_pct: 10, regression: true, summary: { new: 2, resolved: 1 } });
    expect(d.entries[0]).toMatchObject({ detector: 'ring-full', subject: 'eth0-q0', status: 'new', regression: true, severity: { before: null, after: 'error' } });
  });

  it('exit 2 on unreadable, non-JSON or non-findings input, naming the file', () => {
    writeFileSync(join(dir, 'junk.json'), '{ nope');
    expect(run(['diff', doc('base'), join(dir, 'junk.json')])).toMatchObject({ code: 2, stderr: expect.stringContaining('junk.json: not valid JSON') });
    expect(run(['diff', doc('base'), join(dir, 'base.txt.truth.json')])).toMatchObject({ code: 2, stderr: expect.stringContaining('not a findings document') });
    expect(run(['diff', doc('base'), join(dir, 'absent.json')])).toMatchObject({ code: 2, stderr: expect.stringContaining('absent.json: cannot read') });
    expect(run(['diff', doc('base')]).code).toBe(2);
  });
});
