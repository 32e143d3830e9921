import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers.js';
import { TMP } from './helpers.js';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe('tracelens simulate', () => {
  it('writes a trace the analyzer reads and its truth file beside it', () => {
    const out = join(TMP, 'cli-irq.txt');
    const r = run(['simulate', '--scenario', 'irq-vcpu0', '--format', 'perf-script', '--out', out, '--duration-ms', '20']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^simulated irq-vcpu0 \(seed 1, 20 ms\)/);
    const truth = JSON.parse(readFileSync(`${out}.truth.json`, 'utf8'));
    expect(truth).toMatchObject({ schema: 'tracelens.truth/v1', scenario: 'irq-vcpu0', seed: 1, format: 'perf-script' });
    expect(truth.pathologies[0]).toMatchObject({ detector: 'irq-pinned', where: { domain: 0, irq: 'vif1.0' }, metrics: { cpu: 0, share: 1 } });
    const a = run(['analyze', out, '--json', '-', '-q']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).inputs[0]).toMatchObject({ format: 'perf-script', diagnostics: [] });
  });

  it('--sweep prints the throughput table and writes [{ queues, gbps }]', () => {
    const json = join(TMP, 'sweep.json');
    const r = run(['simulate', '--sweep', 'queues=1,4', '--duration-ms', '40', '--json', json]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/queues +Gb\/s\n +1 +\d+\.\d\n +4 +\d+\.\d\n$/);
    const points = JSON.parse(readFileSync(json, 'utf8'));
    expect(points.map((p: { queues: number }) => p.queues)).toEqual([1, 4]);
    expect(Object.keys(points[0])).toEqual(['queues', 'gbps']);
  });

  it('usage errors exit 2 with a message naming the problem', () => {
    expect(run(['simulate', '--scenario', 'nope', '--format', 'ftrace', '--out', join(TMP, 'x')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/neither a built-in scenario/) });
    expect(run(['simulate', '--format', 'ftrace'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/needs --format and --out/) });
    expect(run(['simulate', '--sweep', 'cores=1..2'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--sweep expects queues=/) });
    expect(run(['simulate', '--format', 'json', '--out', 'x']).code).toBe(2);
    expect(existsSync(join(TMP, 'x'))).toBe(false);
  });
});
