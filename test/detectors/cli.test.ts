import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseDetectorSettings } from '../../src/report/findings.js';
import { CLI, ownTrace } from '../helpers.js';

/** `analyze --set`, the findings document and the terminal summary (needs `npm run build`, as test/cli does). */
function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const irq = ownTrace('detectors', 'irq-block.trace.txt');
const lock = ownTrace('detectors', 'lock-mmap-threads.perf.txt');

describe('--set detector.key=value', () => {
  it('parses, repeats and validates', () => {
    expect(parseDetectorSettings(['irq-pinned.share_min=0.8', 'irq-pinned.min_events=5', 'hot-lock.max_locks=1', 'tlb-per-syscall.count_task_switch=true'])).toEqual({
      'irq-pinned': { share_min: 0.8, min_events: 5 },
      'hot-lock': { max_locks: 1 },
      'tlb-per-syscall': { count_task_switch: 1 },
    });
    expect(() => parseDetectorSettings(['nope.share_min=1'])).toThrow(/unknown detector "nope" \(known: gnttab-lock, tlb-per-syscall, irq-pinned, ring-full, hot-lock\)/);
    expect(() => parseDetectorSettings(['irq-pinned.colour=1'])).toThrow(/irq-pinned has no setting "colour" \(known: share_min, /);
    expect(() => parseDetectorSettings(['irq-pinned.share_min=lots'])).toThrow(/"lots" is not a number/);
    expect(() => parseDetectorSettings(['share_min=1'])).toThrow(/expected detector\.key=value/);
  });

  it('unknown detector or key: exit 2 with the message, before reading any input', () => {
    for (const bad of ['nope.x=1', 'irq-pinned.colour=1', 'irq-pinned.share_min=']) {
      const r = run(['analyze', '/nonexistent/file', '--set', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/^tracelens: --set /);
    }
  });

  it('changes the verdict: a higher share_min hides the pinned IRQ, --fail-on follows', () => {
    const base = JSON.parse(run(['analyze', irq, '--json', '-']).stdout);
    expect(base.findings.map((f: { detector: string }) => f.detector)).toContain('irq-pinned');
    const strict = JSON.parse(run(['analyze', irq, '--json', '-', '--set', 'irq-pinned.min_events=100000']).stdout);
    expect(strict.findings.map((f: { detector: string }) => f.detector)).not.toContain('irq-pinned');
    expect(run(['analyze', lock, '-q', '--fail-on', 'warning']).code).toBe(1);
    expect(run(['analyze', lock, '-q', '--fail-on', 'warning', '--set', 'hot-lock.min_events=1000']).code).toBe(0);
  });
});

describe('findings output', () => {
  it('JSON: schema, stable metric names, skipped with capture hints, byte-identical reruns', () => {
    const a = run(['analyze', irq, lock, '--json', '-']).stdout;
    expect(run(['analyze', irq, lock, '--json', '-']).stdout).toBe(a);
    const doc = JSON.parse(a);
    expect(doc.schema).toBe('tracelens.findings/v1');
    const byDetector = Object.fromEntries(doc.findings.map((f: { detector: string; metrics: object }) => [f.detector, f.metrics]));
    expect(Object.keys(byDetector['irq-pinned'])).toEqual(expect.arrayContaining(['irq', 'cpu', 'share', 'rate_per_s']));
    expect(Object.keys(byDetector['hot-lock'])).toEqual(expect.arrayContaining(['lock', 'share', 'wait_ns_total']));
    // Worst first: the hot lock (error) before the pinned IRQ (info).
    expect(doc.findings.map((f: { severity: string }) => f.severity)).toEqual(['error', 'info']);
    for (const s of doc.skipped) expect(Object.keys(s)).toEqual(['detector', 'reason', 'capture_hint']);
    expect(doc.skipped.find((s: { detector: string }) => s.detector === 'ring-full').reason).toMatch(/irq-block\.trace\.txt: no network queue events/);
  });

  it('terminal summary: findings first, worst first, with key numbers and advice, then what was not checked', () => {
    const out = run(['analyze', lock, irq]).stdout;
    expect(out).toMatch(/^Findings \(2, worst first\):\n {2}\[ERROR\] hot-lock: hot lock: mm->mmap_lock/);
    expect(out).toMatch(/lock mm->mmap_lock · lock_id 0x[0-9a-f]+ · lock_type rwsem · share 0\.99\d+ · wait_ns_total 426,/);
    expect(out).toMatch(/→ Threads of one process serialise on mmap_lock/);
    expect(out.indexOf('[ERROR]')).toBeLessThan(out.indexOf('[INFO] irq-pinned'));
    expect(out).toMatch(/Not checked \(the trace lacks the signal\):\n {2}gnttab-lock: /);
    expect(out.indexOf('Not checked')).toBeLessThan(out.indexOf('== '));
  });
});
