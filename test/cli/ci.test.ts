import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ownTrace } from '../helpers.js';
import { junitProblems } from '../report/junit-check.js';

const dir = mkdtempSync(join(tmpdir(), 'tracelens-ci-'));
const trace = join(dir, 'irq.txt');

/** Runs the real binary; cwd matters for ./tracelens.config.json. */
function run(args: string[], cwd = dir) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

beforeAll(() => {
  // A simulated vCPU0 pin: one irq-pinned warning (vif1.0, share 1, ~15000/s); tlb-per-syscall skipped.
  expect(run(['simulate', '--scenario', 'irq-vcpu0', '--format', 'perf-script', '--out', trace]).code).toBe(0);
});

describe('tracelens analyze in CI', () => {
  it('--fail-on: exit 1 at or above the severity, 0 below it', () => {
    expect(run(['analyze', trace, '-q', '--fail-on', 'warning']).code).toBe(1);
    expect(run(['analyze', trace, '-q', '--fail-on', 'info']).code).toBe(1);
    expect(run(['analyze', trace, '-q', '--fail-on', 'error']).code).toBe(0);
    expect(run(['analyze', trace, '-q']).code).toBe(0);
  });

  it('--fail-if: exit 1 when one finding satisfies the whole rule, naming the rule on stderr', () => {
    const hit = run(['analyze', trace, '-q', '--fail-if', 'irq-pinned.share > 0.9 && irq-pinned.rate_per_s > 1000']);
    expect(hit.code).toBe(1);
    expect(hit.stderr).toContain('--fail-if matched: irq-pinned.share > 0.9 && irq-pinned.rate_per_s > 1000');
    expect(run(['analyze', trace, '-q', '--fail-if', 'irq-pinned.share > 0.9 && irq-pinned.rate_per_s > 100000']).code).toBe(0);
    expect(run(['analyze', trace, '-q', '--fail-if', 'irq-pinned.irq == "vif1.0" && !(ring-full.stalls > 0)']).code).toBe(1);
    expect(run(['analyze', trace, '-q', '--fail-if', 'ring-full.stalls > 0', '--fail-if', 'irq-pinned.cpu == 0']).code).toBe(1);
    expect(run(['analyze', trace, '-q', '--fail-if', 'ring-full.stalls > 0', '--fail-if', 'irq-pinned.cpu != 0']).code).toBe(0);
  });

  it('a bad rule is exit 2 with its position, before any input is read', () => {
    const r = run(['analyze', join(dir, 'missing.txt'), '--fail-if', 'irq-pinned.share > 0.9 &&']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unexpected end of rule (expected detector.metric, "!" or "(") at column 26');
    expect(r.stderr).not.toContain('missing.txt');
    expect(run(['analyze', trace, '--fail-if', 'irq-pinned.shar > 0.9']).stderr).toContain('irq-pinned has no metric "shar"');
  });

  it('tracelens.config.json in the cwd, or --config; flags override it; unknown keys are exit 2', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tracelens-cfg-'));
    writeFileSync(join(cwd, 'tracelens.config.json'), JSON.stringify({ failOn: 'warning' }));
    expect(run(['analyze', trace, '-q'], cwd).code).toBe(1);
    expect(run(['analyze', trace, '-q', '--fail-on', 'error'], cwd).code).toBe(0);
    // The file's threshold applies: with share_min above 1 nothing is pinned enough.
    const strictCfg = join(dir, 'loose.json');
    writeFileSync(strictCfg, JSON.stringify({ set: { 'irq-pinned.share_min': 1.01 }, failOn: 'info', failIf: ['irq-pinned.cpu == 0'] }));
    expect(run(['analyze', trace, '-q', '--config', strictCfg]).code).toBe(0);
    expect(run(['analyze', trace, '-q', '--config', strictCfg, '--set', 'irq-pinned.share_min=0.8']).code).toBe(1);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ failon: 'warning', fail_if: [] }));
    const r = run(['analyze', trace, '-q', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown keys "failon", "fail_if"');
    expect(run(['analyze', trace, '-q', '--config', join(dir, 'nope.json')]).code).toBe(2);
    writeFileSync(bad, JSON.stringify({ set: { 'irq-pinned.no_such': 1 } }));
    expect(run(['analyze', trace, '-q', '--config', bad]).stderr).toContain('irq-pinned has no setting "no_such"');
  });

  it('--junit and --markdown: deterministic files, JUnit fit for CI parsers, same verdict as the exit code', () => {
    const outs = [1, 2].map((n) => {
      const junit = join(dir, `j${n}.xml`);
      const md = join(dir, `s${n}.md`);
      const json = join(dir, `f${n}.json`);
      const r = run(['analyze', trace, '-q', '--fail-on', 'warning', '--fail-if', 'ring-full.stalls > 0', '--junit', junit, '--markdown', md, '--json', json]);
      expect(r.code).toBe(1);
      return [junit, md, json].map((p) => readFileSync(p, 'utf8'));
    });
    expect(outs[0]).toEqual(outs[1]);
    const [xml, md] = outs[0];
    expect(junitProblems(xml)).toEqual([]);
    expect(xml).toContain(`<testcase classname="tracelens.irq-pinned" name="irq-pinned on ${trace}">`);
    expect(xml).toMatch(/<failure message="1 finding at or above warning: all 4 IRQs of vif1\.0[^"]*" type="warning">/);
    expect(xml).toMatch(/<testcase classname="tracelens.tlb-per-syscall" name="[^"]*">\n\s*<skipped message="[^"]*capture: perf record -a -e raw_syscalls/);
    expect(xml).toContain('<testcase classname="tracelens.rules" name="fail-if ring-full.stalls &gt; 0"/>');
    expect(md).toMatch(/^### tracelens: 1 finding \(1 warning\) — ❌ gate failed/);
    expect(md).toContain('| warning | irq-pinned | irq vif1.0 · cpu 0 · share 1 · rate\\_per\\_s 15084.37 · events 1508 |');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--markdown - prints the summary on stdout instead of the text', () => {
    const r = run(['analyze', trace, '--markdown', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^### tracelens: 1 finding \(1 warning\) — ✅ gate passed/);
    expect(r.stdout).not.toContain('Findings (');
  });

  it('a clean trace passes every gate', () => {
    const clean = ownTrace('perf-script', 'cpu-profile-g.perf.txt');
    const junit = join(dir, 'clean.xml');
    expect(run(['analyze', clean, '-q', '--fail-on', 'info', '--junit', junit]).code).toBe(0);
    expect(junitProblems(readFileSync(junit, 'utf8'))).toEqual([]);
    expect(readFileSync(junit, 'utf8')).toContain('failures="0"');
  });
});
