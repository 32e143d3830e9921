import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../../src/model/integrity.js';
import { KIND_CODE } from '../../../src/model/schema.js';
import type { TraceModel } from '../../../src/model/trace-model.js';
import { loadTrace } from '../../../src/parsers/index.js';
import { classify } from '../../../src/parsers/xentrace/event-names.js';
import { summarizeInput } from '../../../src/report/input-summary.js';
import { SAMPLE, sampleBytes, walk } from './trace-bytes.js';

/** The README's facts about the 10-window slice (../shared/traces/README.md, xentrace). */
const README_PER_PCPU = { 0: 3701, 1: 500, 2: 1496, 3: 183, 4: 172, 5: 4494, 6: 2980 };
const WRAP = 0x1f002;

function countBy<T>(items: T[], key: (t: T) => string | number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[String(key(t))] = (out[String(key(t))] ?? 0) + 1;
  return out;
}

describe('xentrace: the shared 10-window sample', async () => {
  const records = walk(sampleBytes());
  const model = await loadTrace(SAMPLE(), { cpuHz: 2.4e9 });
  const summary = summarizeInput(model, SAMPLE());

  it('the independent walk agrees with the README (records per pCPU, padding included)', () => {
    expect(countBy(records, (r) => r.cpu)).toEqual(Object.fromEntries(Object.entries(README_PER_PCPU).map(([k, v]) => [k, v])));
    expect(countBy(records.filter((r) => r.id === WRAP), (r) => r.cpu)).toEqual({ 2: 1, 6: 1 });
  });

  it('decodes every record: per-pCPU counts are the README\'s minus the wrap padding', () => {
    const expected = { ...README_PER_PCPU, 2: 1495, 6: 2979 };
    expect(summary.per_cpu).toEqual(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v])));
    expect(summary.events).toBe(13524);
    expect(summary.cpus).toBe(7);
    expect(model.meta.header['wrap padding records']).toBe('2');
    expect(model.meta.header['wrap padding by pCPU']).toBe('2:1 6:1');
    expect(model.meta.header.windows).toBe('10');
  });

  it('counts per event id equal the walk\'s (names from the id table)', () => {
    const expected = countBy(records.filter((r) => r.id !== WRAP), (r) => classify(r.id)[0]);
    const got = countBy(Array.from(model.events.name), (n) => model.str(n));
    expect(got).toEqual(expected);
    // Ids the README names in the full file's top list, as the walk counts them in the slice.
    const byId = countBy(records, (r) => r.id.toString(16));
    expect(byId['81001']).toBe(byId['81102']); // every VMEXIT64 has its VMENTRY
    expect(got.TRC_HVM_VMEXIT64).toBe(byId['81102']);
    expect(got.TRC_SCHED_SWITCH).toBe(byId['2800a']);
    expect(got['csched2:updt_runq_load']).toBe(byId['2220c']);
    expect(got.TRC_HVM_VMMCALL).toBe(byId['82012']);
  });

  it('no TSC goes backwards; rows are merged in time order', () => {
    expect(model.diagnostics.map((d) => d.code)).toEqual([]);
    const ts = model.events.tsNs;
    for (let i = 1; i < ts.length; i++) if (ts[i] < ts[i - 1]) throw new Error(`row ${i} goes back in time`);
    expect(ts[0]).toBe(0);
  });

  it('time 0 is the earliest TSC; times follow --cpu-hz', async () => {
    const minTsc = Math.min(...records.filter((r) => r.tsc !== null).map((r) => r.tsc as number));
    const maxTsc = Math.max(...records.filter((r) => r.tsc !== null).map((r) => r.tsc as number));
    expect(model.meta.header['first tsc']).toBe(String(minTsc));
    expect(summary.duration_ns).toBe(Math.round(((maxTsc - minTsc) * 1e9) / 2.4e9));
    const slower = await loadTrace(SAMPLE(), { cpuHz: 1.2e9 });
    expect(summarizeInput(slower, SAMPLE()).duration_ns).toBe(Math.round(((maxTsc - minTsc) * 1e9) / 1.2e9));
    expect(model.meta.cpuHz).toBe(2.4e9);
    expect(BigInt(model.meta.t0Ns as string)).toBe((BigInt(minTsc) * 1_000_000_000n + 1_200_000_000n) / 2_400_000_000n);
  });

  it('a sound model', () => {
    expect(checkIntegrity(model)).toEqual([]);
  });

  it('without --cpu-hz: the stated default, and a warning in summary and JSON', async () => {
    const m = await loadTrace(SAMPLE());
    expect(m.meta.cpuHz).toBe(2.4e9);
    expect(summarizeInput(m, SAMPLE()).diagnostics.map((d) => [d.code, d.severity])).toEqual([['xentrace/default-cpu-hz', 'warning']]);
  });

  it('attributes records to the vCPU running on the pCPU', () => {
    const e = model.events;
    const exits = kindRows(model, 'vmexit');
    // Every VMEXIT of the slice happens in HVM domain 14 (README: no PV records; dom0 here is PV).
    expect(new Set(exits.map((i) => e.domain[i]))).toEqual(new Set([14]));
    // After a switch the pCPU runs its `next` vCPU.
    for (const i of kindRows(model, 'vcpu_switch')) expect([e.domain[i], e.vcpu[i]]).toEqual([e.a2[i], e.a3[i]]);
    // Runstate changes to running make their subject current.
    for (const i of kindRows(model, 'runstate')) if (e.a3[i] === 0) expect([e.domain[i], e.vcpu[i]]).toEqual([e.a0[i], e.a1[i]]);
  });

  it('the summary block: classes, hypercalls by op, exits by reason, IRQs', () => {
    const xen = summary.details?.xen as Record<string, any>;
    expect(xen.by_class).toEqual({ sched: countWalk(records, 0x2), hvm: countWalk(records, 0x8) });
    expect(xen.per_pcpu['5'].vmexits).toBe(records.filter((r) => r.cpu === 5 && r.id === 0x81102).length);
    expect(xen.vmexits.reduce((n: number, x: { count: number }) => n + x.count, 0)).toBe(1298);
    expect(xen.vmexits[0]).toEqual({ reason: 1, name: 'EXTERNAL_INTERRUPT', count: records.filter((r) => r.id === 0x8200f).length });
    expect(xen.hypercalls.reduce((n: number, h: { count: number }) => n + h.count, 0)).toBe(records.filter((r) => r.id === 0x82012).length);
    expect(xen.wrap_padding_records).toBe(2);
  });
});

function kindRows(model: TraceModel, kind: keyof typeof KIND_CODE): number[] {
  const out: number[] = [];
  model.events.kind.forEach((k, i) => k === KIND_CODE[kind] && out.push(i));
  return out;
}

/** Records of one trace class (bits 16..27 of the id), padding excluded. */
function countWalk(records: { id: number }[], cls: number): number {
  return records.filter((r) => r.id !== 0x1f002 && ((r.id >>> 16) & 0xfff) === cls).length;
}
