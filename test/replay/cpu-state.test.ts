import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTrace } from '../../src/parsers/load.js';
import { CPU_STATES, VCPU_STATES, cpuStateSummary, replayCpuStates } from '../../src/replay/cpu-state.js';
import { CLI, ownTrace, sharedTrace } from '../helpers.js';

const XENTRACE = sharedTrace('xentrace', 'xentrace-parser-rs__examples_xentrace.first10windows.bin');

/**
 * `xenalyze -s` (Xen 4.17, Debian xen-utils) on the same slice: dom0's vCPUs, `running:` lines
 * (intervals, mean cycles). v1 is left out: it changes state once, so xenalyze and we each see
 * only a fragment.
 */
const XENALYZE_DOM0_RUNNING: Record<number, [number, number]> = {
  0: [10, 115059],
  2: [15, 281897],
  3: [11, 467706],
  4: [14, 839056],
  5: [8, 232079],
  6: [19, 81617],
  7: [139, 105187],
};

describe('per-CPU and per-vCPU state', () => {
  it('xentrace: dom0 vCPUs run as often and as long as xenalyze says', async () => {
    const model = await loadTrace(XENTRACE);
    const r = replayCpuStates(model);
    const hz = model.meta.cpuHz as number;
    const running = VCPU_STATES.indexOf('running');
    for (const [vcpu, [count, meanCycles]] of Object.entries(XENALYZE_DOM0_RUNNING)) {
      const v = r.vcpus.find((x) => x.domain === 0 && x.vcpu === Number(vcpu));
      expect(v, `d0v${vcpu}`).toBeDefined();
      expect(v!.closedCount[running], `d0v${vcpu}`).toBe(count);
      const cycles = (v!.closedTime[running] / count) * (hz / 1e9);
      expect(Math.abs(cycles - meanCycles), `d0v${vcpu} mean cycles ${cycles}`).toBeLessThanOrEqual(2);
    }
  });

  it('xentrace: every pCPU and vCPU accounts for the whole trace, and the pCPUs mostly idle as Xen saw', async () => {
    const r = replayCpuStates(await loadTrace(XENTRACE));
    const span = r.endNs - r.startNs;
    for (const c of r.cpus) expect(c.time.reduce((a, b) => a + b, 0) / span).toBeCloseTo(1, 6);
    const { cpus } = cpuStateSummary(r);
    // pCPUs 1 and 3 spend their time in the idle vCPU (xenalyze: d32767v1/v3 running most of the
    // slice), once a context switch has said what runs there (each pCPU's buffer starts late).
    for (const cpu of [1, 3]) {
      const c = cpus.find((x) => x.cpu === cpu)!;
      expect(c.idle_fraction / (1 - c.unknown_fraction), `pCPU ${cpu}`).toBeGreaterThan(0.9);
    }
  });

  it('ftrace, real capture: idle share per CPU agrees with /proc/stat over the same window', async () => {
    const truth = readFileSync(ownTrace('replay', 'cpu-state.truth.txt'), 'utf8');
    const idle = new Map([...truth.matchAll(/cpu(\d+) .* idle\+iowait share ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]));
    expect(idle.size).toBe(2);
    const { cpus } = cpuStateSummary(replayCpuStates(await loadTrace(ownTrace('replay', 'cpu-state.trace.txt.gz'))));
    for (const [cpu, share] of idle) {
      const c = cpus.find((x) => x.cpu === cpu)!;
      const sum = CPU_STATES.reduce((a, s) => a + c[`${s}_fraction`], 0);
      expect(sum).toBeCloseTo(1, 4);
      // /proc/stat counts 10 ms ticks over ~2 s, and the trace begins a little before its first snapshot.
      expect(Math.abs(c.idle_fraction - share), `cpu${cpu}: ${c.idle_fraction} vs ${share}`).toBeLessThan(0.05);
      expect(c.unknown_fraction).toBeLessThan(0.05);
    }
  });

  it('ftrace: a CPU leaves IRQ and softirq for what it was doing; states hold in time order', async () => {
    const r = replayCpuStates(await loadTrace(ownTrace('ftrace', 'events.trace.txt')));
    for (const c of r.cpus) {
      const { t, value } = c.state;
      for (let k = 1; k < t.length; k++) expect(t[k]).toBeGreaterThan(t[k - 1]);
      for (let k = 1; k < value.length; k++) {
        // Out of a hard IRQ back to a task or idle, or to the softirq it interrupted — never to unknown once known.
        if (value[k - 1] === CPU_STATES.indexOf('irq') && value[k] === CPU_STATES.indexOf('unknown')) expect(c.state.at(t[0])).toBe(0);
      }
      expect(c.time.reduce((a, b) => a + b, 0)).toBeCloseTo(r.endNs - r.startNs, 0);
    }
    const { cpus } = cpuStateSummary(r);
    expect(cpus.map((c) => c.cpu)).toEqual([0, 1]);
    for (const c of cpus) expect(c.irq_fraction + c.softirq_fraction).toBeGreaterThan(0);
  });
});

describe('tracelens replay: state sections', () => {
  it('--json carries per-CPU, per-vCPU, qdisc and NAPI sections beside the queues', () => {
    const r = spawnSync(process.execPath, [CLI, 'replay', XENTRACE, '--json', '-'], { maxBuffer: 64 << 20 });
    expect(r.status, r.stderr.toString()).toBe(0);
    const doc = JSON.parse(r.stdout.toString());
    expect(doc.schema).toBe('tracelens.replay/v1');
    expect(doc.cpus.map((c: { cpu: number }) => c.cpu)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(doc.vcpus.find((v: { domain: number; vcpu: number }) => v.domain === 0 && v.vcpu === 7)).toBeDefined();
    expect(doc.qdiscs).toEqual([]);
    const text = spawnSync(process.execPath, [CLI, 'replay', ownTrace('ftrace', 'events.trace.txt')]).stdout.toString();
    expect(text).toMatch(/CPU time by state:\ncpu +unknown +idle +running +softirq +irq\n0 /);
    expect(text).toMatch(/NAPI polls:\ndevice +polls/);
    // Interrupts without context switches: no table of unknowns, a line saying what to add.
    const block = spawnSync(process.execPath, [CLI, 'replay', ownTrace('replay', 'block-dd.trace.txt.gz')]).stdout.toString();
    expect(block).toContain('CPU time by state: unknown — the trace shows interrupts but no context switches (add sched:sched_switch).');
  });
});
