import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../src/model/integrity.js';
import { formatById, loadTrace } from '../../src/parsers/index.js';
import { summarizeInput } from '../../src/report/input-summary.js';
import type { Format, Generated } from '../../src/sim/index.js';
import { GUEST_LAYER_END } from '../../src/sim/log.js';
import { ticksOf } from '../../src/sim/sampling.js';
import { BOOT_BASE_NS } from '../../src/sim/writers/result.js';
import { profile } from '../../src/sim/writers/xenoprof.js';
import { gen } from './helpers.js';

const usec = (t: number) => Math.floor((BOOT_BASE_NS + t) / 1000) * 1000;

/** Per printed CPU: the times perf/ftrace print for the run's tracepoints (and perf's samples), in ns from the first. */
function expectedTimes(g: Generated, withSamples: boolean): Map<number, number[]> {
  const cpus = g.run.domains.get(g.run.scenario.capture.domain)?.vcpus ?? [];
  const out = new Map<number, number[]>();
  for (const cpu of cpus) {
    const ts: number[] = [];
    const ev = cpu.log.ev;
    for (let i = 0; i < ev.n; i++) if (ev.kind[i] < GUEST_LAYER_END) ts.push(usec(ev.t[i]));
    if (withSamples) {
      const tk = ticksOf(g.run, cpu, g.run.scenario.capture.sampleHz);
      for (let i = 0; i < tk.n; i++) ts.push(usec(tk.t[i]));
    }
    if (ts.length > 0) out.set(cpu.index, ts);
  }
  const first = Math.min(...[...out.values()].flatMap((x) => (x.length > 0 ? [x.reduce((a, b) => Math.min(a, b))] : [])));
  for (const [k, ts] of out) out.set(k, ts.map((t) => t - first).sort((a, b) => a - b));
  return out;
}

function parsedTimes(model: Awaited<ReturnType<typeof loadTrace>>, withSamples: boolean): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const add = (cpu: number, t: number) => {
    const list = out.get(cpu) ?? [];
    list.push(t);
    out.set(cpu, list);
  };
  for (let i = 0; i < model.events.tsNs.length; i++) add(model.events.cpu[i], model.events.tsNs[i]);
  if (withSamples) for (let i = 0; i < model.samples.tsNs.length; i++) add(model.samples.cpu[i], model.samples.tsNs[i]);
  for (const [k, ts] of out) out.set(k, ts.sort((a, b) => a - b));
  return out;
}

/** One scenario per format whose trace exercises the most record types. */
const CASES: [Format, string, object?][] = [
  ['perf-script', 'gnttab-contention'],
  ['perf-script', 'mixed'],
  ['ftrace', 'mixed'],
  ['ftrace', 'irq-vcpu0'],
  ['xentrace', 'mixed'],
  ['xentrace', 'baseline', { xentrace: { lostEveryMs: 10 } }],
  ['xenoprof', 'gnttab-contention'],
  ['xenoprof', 'gnttab-contention', { xenoprof: { report: 'callgraph' } }],
];

describe.each(CASES)('parse(write(run)): %s, %s %j', (format, scenario, patch) => {
  it.runIf(formatById(format) !== undefined)('recovers every record with no diagnostics', async () => {
    const g = gen(scenario, format, { patch });
    const lossy = JSON.stringify(patch ?? {}).includes('lostEveryMs');
    const model = await loadTrace(g.written.path, { format, cpuHz: g.run.scenario.host.cpuMhz * 1e6 });
    const summary = summarizeInput(model, g.written.path);
    expect(checkIntegrity(model)).toEqual([]);
    if (lossy) {
      // A buffer overrun is data loss the parser must report; nothing else.
      expect(summary.diagnostics.map((d) => d.code)).toEqual(['xentrace/lost-records']);
      expect(summary.by_kind.lost).toBe(g.written.byKind.lost);
    } else expect(summary.diagnostics).toEqual([]);

    if (format === 'perf-script' || format === 'ftrace') {
      const samples = format === 'perf-script';
      expect(summary.by_kind).toEqual(g.written.byKind);
      expect(summary.events).toBe(g.written.records);
      expect(summary.cpus).toBe(g.run.domains.get(g.run.scenario.capture.domain)?.vcpus.length);
      expect(parsedTimes(model, samples)).toEqual(expectedTimes(g, samples));
    } else if (format === 'xentrace') {
      expect(summary.by_kind).toEqual(g.written.byKind);
      expect(summary.events).toBe(g.written.records);
      // Time 0 is the first TSC; the span is the run's, to the TSC's 0.4 ns.
      const span = Math.max(...model.events.tsNs);
      expect(Math.abs(span - (g.written.lastNs - g.written.firstNs))).toBeLessThan(1000);
    } else {
      const { nodes, total } = profile(g.run);
      expect(summary.samples).toBe(g.written.records);
      let weight = 0;
      for (let i = 0; i < model.samples.weight.length; i++) weight += model.samples.weight[i];
      const flat = [...nodes.values()].reduce((x, n) => x + n.self, 0);
      expect(weight).toBe(flat);
      expect(flat).toBe(total);
    }
  });
});
