import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gen } from '../sim/helpers.js';
import { CLI } from '../helpers.js';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe('tracelens replay --irq-spread', () => {
  const guest = gen('mixed', 'perf-script', { durationMs: 40 });

  it('without a host capture: the what-if table shows no figures and says what capture it needs', () => {
    const r = run(['replay', guest.written.path, '--irq-spread']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('eth0-q'));
    const table = lines.filter((l) => l.includes('not predicted — needs a dom0 capture with grant copy hypercalls'));
    expect(table).toHaveLength(4);
    for (const l of table) expect(l).toMatch(/% → -\s/);
    // One reason for the four queues that share it.
    expect(lines.filter((l) => / not predicted: no host capture given/.test(l))).toEqual([expect.stringMatching(/^eth0-q0, eth0-q1, eth0-q2, eth0-q3: not predicted: no host capture given/)]);
    expect(r.stdout).toContain('xentrace -D -e 0x0020f000');
  });

  it('guest only: no change, the observed figures', () => {
    const r = run(['replay', guest.written.path, '--irq-spread', 'guest', '--json', '-']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { whatif: { stalled_fraction: number; baseline: { stalled_fraction: number }; delta: { stalled_fraction: number } }[] };
    expect(doc.whatif).toHaveLength(4);
    for (const w of doc.whatif) {
      expect(w.stalled_fraction).toBe(w.baseline.stalled_fraction);
      expect(w.delta.stalled_fraction).toBe(0);
    }
  });

  it('rejects an unknown side and --dom0 without --irq-spread (exit 2)', () => {
    expect(run(['replay', guest.written.path, '--irq-spread', 'vcpu0', '-q']).code).toBe(2);
    const r = run(['replay', guest.written.path, '--dom0', guest.written.path, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--dom0 is read for --irq-spread only');
  });
});
