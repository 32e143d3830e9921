import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../../src/model/integrity.js';
import { KINDS } from '../../../src/model/schema.js';
import type { TraceModel } from '../../../src/model/trace-model.js';
import { loadTrace } from '../../../src/parsers/index.js';
import { summarizeInput } from '../../../src/report/input-summary.js';
import { bytes, rec, tempFile, walk, window } from './trace-bytes.js';

/** 1 GHz: one TSC tick is one ns, so expected times read straight off the TSCs. */
const HZ = 1e9;
const T0 = 5_000_000_000_000; // a realistic TSC (≈ 35 min of uptime at 2.4 GHz)
const dv = (dom: number, vcpu: number) => vcpu | (dom << 16);

function rows(m: TraceModel) {
  const e = m.events;
  return Array.from(e.kind, (k, i) => ({
    t: e.tsNs[i], cpu: e.cpu[i], kind: KINDS[k], name: m.str(e.name[i]), d: e.domain[i], v: e.vcpu[i],
    a: [e.a0[i], e.a1[i], e.a2[i], e.a3[i]], s: m.str(e.str0[i]),
  }));
}

async function load(...windows: number[][]) {
  const model = await loadTrace(tempFile(bytes(...windows)), { cpuHz: HZ });
  expect(checkIntegrity(model)).toEqual([]);
  return model;
}

describe('xentrace records', () => {
  it('merges interleaved per-pCPU windows by TSC; records without TSC inherit their pCPU\'s last', async () => {
    const m = await load(
      window(0, [rec(0x81001, T0 + 10), rec(0x8200f, null, [0xfa]), rec(0x81001, T0 + 40)]),
      window(1, [rec(0x81001, T0 + 5), rec(0x81001, T0 + 30)]),
      window(0, [rec(0x81001, T0 + 50)]), // pass 2
      window(1, [rec(0x81001, T0 + 45)]),
    );
    expect(rows(m).map((r) => [r.t, r.cpu, r.name])).toEqual([
      [0, 1, 'TRC_HVM_VMENTRY'],
      [5, 0, 'TRC_HVM_VMENTRY'],
      [5, 0, 'TRC_HVM_INTR'],
      [25, 1, 'TRC_HVM_VMENTRY'],
      [35, 0, 'TRC_HVM_VMENTRY'],
      [40, 1, 'TRC_HVM_VMENTRY'],
      [45, 0, 'TRC_HVM_VMENTRY'],
    ]);
    expect(m.meta.t0Ns).toBe(String(T0 + 5));
    expect(m.meta.cpuCount).toBe(2);
  });

  it('TRC_LOST_RECORDS: a lost row and a located data-loss warning with its time range', async () => {
    const m = await load(
      window(3, [
        rec(0x2800a, T0, [0x7fff, 3, 1, 0]),
        // 1234 records lost from T0+1000 until this record at T0+5000; d2v1 running when logging resumed
        rec(0x1f001, T0 + 5000, [1234, 2 | (1 << 16), (T0 + 1000) % 2 ** 32, Math.floor((T0 + 1000) / 2 ** 32)]),
        rec(0x81001, T0 + 5100),
      ]),
    );
    const lost = rows(m).find((r) => r.kind === 'lost');
    expect(lost).toMatchObject({ t: 5000, cpu: 3, d: 2, v: 1, a: [1234, 1000, 2, 1] });
    expect(rows(m)[2]).toMatchObject({ name: 'TRC_HVM_VMENTRY', d: 2, v: 1 }); // attribution from did/vid
    const d = m.diagnostics.find((x) => x.code === 'xentrace/lost-records');
    expect(d).toMatchObject({ severity: 'warning', count: 1, first: { byteOffset: 12 + 28 } });
    expect(d?.first.excerpt).toBe('pCPU 3: 1234 records lost between 0.001000 ms and 0.005000 ms (d2v1 running when tracing resumed)');
    expect(m.meta.header['lost records']).toBe('1234');
  });

  it('PV_HYPERCALL_V2: op and argument-presence bits, grant_table_op split by cmd, iret, mmuext_op', async () => {
    const ARG32 = (i: number) => 1 << (20 + 2 * i);
    const ARG64 = (i: number) => 2 << (20 + 2 * i);
    const m = await load(
      window(0, [
        rec(0x2800a, T0, [0x7fff, 0, 1, 2]),
        rec(0x20100d, T0 + 1, [20 | ARG32(0) | ARG32(2), 5, 3]), // grant_table_op(copy, count 3)
        rec(0x20100d, T0 + 2, [1 | ARG32(1), 17]), // mmu_update(count 17)
        rec(0x20100d, T0 + 3, [23]), // iret: no arguments recorded
        rec(0x20100d, T0 + 4, [26 | ARG32(1), 2]), // mmuext_op(count 2)
        rec(0x20100d, T0 + 5, [24 | ARG32(0) | ARG64(1), 11, 0x89abcdef, 0x1]), // vcpu_op(cmd 11, a 64-bit second arg)
        rec(0x20200e, T0 + 6, [20 | ARG32(0) | ARG32(2), 0, 8]), // subcall: grant_table_op(map_grant_ref, 8)
      ]),
    );
    const r = rows(m).slice(1);
    expect(r.map((x) => [x.kind, x.s, x.d, x.v])).toEqual([
      ['hypercall', 'grant_table_op:copy', 1, 2],
      ['hypercall', 'mmu_update', 1, 2],
      ['syscall_exit', 'iret', 1, 2],
      ['tlb_flush', 'mmuext_op', 1, 2],
      ['hypercall', 'vcpu_op', 1, 2],
      ['hypercall', 'grant_table_op:map_grant_ref', 1, 2],
    ]);
    expect(r[0].a).toEqual([20, 5, 3, 0b010001]);
    expect(r[1].a).toEqual([1, 17, NaN, 0b0100]);
    expect(r[3].a).toEqual([NaN, NaN, NaN, 2]);
    expect(r[4].a).toEqual([24, 11, 0x1_89abcdef, 0b1001]);
    expect(r[5].name).toBe('TRC_PV_HYPERCALL_SUBCALL');
    const xen = summarizeInput(m, 'x').details?.xen as Record<string, any>;
    expect(xen.hypercalls.find((h: { name: string }) => h.name === 'grant_table_op')).toEqual({
      name: 'grant_table_op', op: 20, count: 2, subcalls: 1, by_cmd: { copy: 1, map_grant_ref: 1 },
    });
    expect(xen.hypercalls.find((h: { name: string }) => h.name === 'iret')).toMatchObject({ op: 23, count: 1 });
  });

  it('attribution: switch, runstate to running, earlier rows of the pCPU back-filled', async () => {
    const m = await load(
      window(2, [
        rec(0x81102, T0, [1, 0x1000, 0]), // a VMEXIT before any scheduler record on this pCPU
        rec(0x8200f, null, [0xfa]),
        rec(0x21021, T0 + 10, [dv(5, 1)]), // d5v1 running → blocked: it was running here
        rec(0x2800a, T0 + 20, [5, 1, 0x7fff, 2]), // switch d5v1 → idle v2
        rec(0x21101, T0 + 30, [dv(7, 0)]), // d7v0 runnable → running
        rec(0x81001, T0 + 40),
        rec(0x802008, T0 + 50, [28, 1000, 1600]), // physical IRQ 28 handled in 600 cycles
        rec(0x82004, null, [0xf3, 0]), // virtual IRQ injected into the running vCPU
      ]),
    );
    expect(rows(m).map((r) => [r.kind, r.d, r.v])).toEqual([
      ['vmexit', 5, 1],
      ['irq_vector_entry', 5, 1],
      ['runstate', 5, 1],
      ['vcpu_switch', 0x7fff, 2],
      ['runstate', 7, 0],
      ['vmentry', 7, 0],
      ['irq_entry', 0x7fff, -1],
      ['irq_entry', 7, 0],
    ]);
    expect(rows(m)[0]).toMatchObject({ s: 'EXTERNAL_INTERRUPT', a: [1, 0x1000, NaN, NaN] });
    expect(rows(m)[2].a).toEqual([5, 1, 0, 2]);
    expect(rows(m)[6].a).toEqual([28, 600, NaN, NaN]);
    expect(rows(m)[7].a).toEqual([0xf3, NaN, 0, NaN]);
  });

  it('PV traps, page faults, HVM CR3 writes and INVLPG, grant maps, unknown ids', async () => {
    const m = await load(
      window(0, [
        rec(0x201103, T0, [0x81000000, 0xffffffff, 14 | (1 << 15) | (2 << 16)]), // trap 14, error code 2
        rec(0x201104, T0 + 1, [0x1000, 0, 0x2000, 0x7fff, 6]), // 64-bit page fault: rip, addr, ec
        rec(0x82109, null, [3, 0x1234000, 0]), // CR3 write
        rec(0x82114, null, [0, 0x5000, 0]), // INVLPG
        rec(0x10f001, T0 + 2, [4]), // grant map from domain 4
        rec(0x0ffff001 & 0x0fffffff, T0 + 3, [1, 2, 3, 4]), // unknown id
      ]),
    );
    const r = rows(m);
    expect(r.map((x) => [x.kind, x.name])).toEqual([
      ['pv_trap', 'TRC_PV_TRAP64'],
      ['page_fault', 'TRC_PV_PAGE_FAULT64'],
      ['tlb_flush', 'TRC_HVM_CR_WRITE64'],
      ['tlb_flush', 'TRC_HVM_INVLPG64'],
      ['grant_op', 'TRC_MEM_PAGE_GRANT_MAP'],
      ['other', 'unknown (0x0ffff001)'],
    ]);
    expect(r[0].a).toEqual([14, 2, 0xffffffff81000000, NaN]);
    expect(r[1].a).toEqual([0x7fff00002000, 6, 0x1000, NaN]);
    expect([r[2].a[0], r[2].a[3], r[2].s]).toEqual([-1, 0x1234000, 'cr3']);
    expect([r[3].a[0], r[3].a[3], r[3].s]).toEqual([1, 0x5000, 'invlpg']);
    expect(r[4].a).toEqual([0, NaN, 4, NaN]);
    expect(r[5]).toMatchObject({ a: [0x0ffff001, 1, 2, 3], s: '00000001 00000002 00000003 00000004' });
  });

  it('a TSC going backwards on one pCPU is reported, not fatal; that pCPU keeps its order', async () => {
    const m = await load(window(0, [rec(0x81001, T0 + 100), rec(0x81001, T0 + 50), rec(0x81001, T0 + 200)]));
    expect(m.eventCount).toBe(3);
    expect(m.diagnostics.find((d) => d.code === 'xentrace/tsc-backwards')).toMatchObject({ severity: 'warning', count: 1, first: { byteOffset: 12 + 12 } });
    expect(Array.from(m.events.tsNs)).toEqual([50, 0, 150]);
  });

  it('many passes with lagging pCPUs: exactly a stable sort of the records by TSC (an independent walk)', async () => {
    // 3 pCPUs, 12 passes; each window ends where that pass drained it, pCPU 0 logs sparsely and
    // pCPUs 0 and 2 are sometimes silent for a whole pass, so rows wait in the queues across
    // passes (and the queues compact and grow).
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 8) % n;
    const tsc = [T0, T0 + 3, T0 + 7];
    const windows: number[][] = [];
    for (let pass = 1; pass <= 12; pass++) {
      const until = T0 + pass * 100_000;
      for (let p = 0; p < 3; p++) {
        const records: number[][] = [];
        // Silent for a pass: nothing logged before this pass drained the buffer, so no window.
        if ((p === 0 && pass % 3 === 0) || (p === 2 && pass % 5 === 0)) tsc[p] = until + rand(50_000);
        for (;;) {
          const next = tsc[p] + (p === 0 ? 500 + rand(3000) : 1 + rand(100));
          if (next >= until) break; // logged after this pass drained the buffer: next pass
          tsc[p] = next;
          // A handler record inherits its pCPU's last TSC (not first in a window: see the next test).
          const noTsc = records.length > 0 && rand(4) === 0;
          records.push(noTsc ? rec(0x8200f, null, [rand(256)]) : rec(0x22203 + rand(3), tsc[p], [rand(100), rand(100)]));
        }
        if (records.length > 0) windows.push(window(p, records));
      }
    }
    const file = bytes(...windows);
    const m = await loadTrace(tempFile(file), { cpuHz: HZ });
    const walked = walk(file);
    const last: Record<number, number> = {};
    const expected = walked
      .map((r, i) => ({ cpu: r.cpu, t: (last[r.cpu] = r.tsc ?? last[r.cpu]) - T0, i, id: r.id, w0: r.words[0] }))
      .sort((a, b) => a.t - b.t || a.cpu - b.cpu || a.i - b.i);
    expect(m.eventCount).toBe(walked.length);
    expect(Array.from(m.events.cpu)).toEqual(expected.map((r) => r.cpu));
    expect(Array.from(m.events.tsNs)).toEqual(expected.map((r) => r.t - expected[0].t));
    // ~50 000 rows: several of the writer's staging blocks; every column moves with its row.
    expect(rows(m).map((r) => [r.name === 'TRC_HVM_INTR', r.a[r.kind === 'other' ? 1 : 0]])).toEqual(expected.map((r) => [r.id === 0x8200f, r.w0]));
    expect(m.diagnostics).toEqual([]);
  });

  it('a record without TSC opening a window is no earlier than the merge watermark', async () => {
    const m = await load(
      window(0, [rec(0x81001, T0 + 100), rec(0x81001, T0 + 300)]),
      window(1, [rec(0x81102, T0 + 200, [1, 0, 0])]),
      // pass 2: pCPU 1's INTR handler was logged after pass 1 drained its buffer, i.e. after
      // pCPU 0's drain too: no earlier than pass 1's watermark (300), whatever its inherited TSC (200)
      window(0, [rec(0x81001, T0 + 400)]),
      window(1, [rec(0x8200f, null, [0xfa]), rec(0x81001, T0 + 450)]),
    );
    expect(rows(m).map((r) => [r.t, r.cpu, r.name])).toEqual([
      [0, 0, 'TRC_HVM_VMENTRY'],
      [100, 1, 'TRC_HVM_VMEXIT64'],
      [200, 0, 'TRC_HVM_VMENTRY'],
      [200, 1, 'TRC_HVM_INTR'],
      [300, 0, 'TRC_HVM_VMENTRY'],
      [350, 1, 'TRC_HVM_VMENTRY'],
    ]);
    expect(m.diagnostics).toEqual([]);
  });

  it('wrap-buffer padding is skipped by its size (garbage words, with or without TSC)', async () => {
    const m = await load(window(0, [rec(0x81001, T0), rec(0x1f002, null, [9, 9, 9, 9, 9, 9, 9]), rec(0x1f002, T0 + 1, [0x2001f003]), rec(0x81001, T0 + 2)]));
    expect(m.eventCount).toBe(2);
    expect(m.meta.header['wrap padding records']).toBe('2');
  });
});
