import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../../src/model/integrity.js';
import { KINDS } from '../../../src/model/schema.js';
import type { TraceModel } from '../../../src/model/trace-model.js';
import { loadTrace } from '../../../src/parsers/index.js';
import { xentraceFormat } from '../../../src/parsers/xentrace/index.js';
import { splitName } from '../../../src/parsers/xentrace/text.js';
import { summarizeInput } from '../../../src/report/input-summary.js';
import { tempFile } from './trace-bytes.js';

/**
 * xentrace_format output as Xen's `formats` file prints it (FORMATS.md §3.9): file order (not
 * merged across CPUs), `tsc` 0 for records without one, names with spaces, a TSC warning line.
 */
const TSC_LINES = [
  'CPU0  0 (+       0)  cpu_change        0x00000000',
  'CPU0  50475882825885 (+       0)  __enter_scheduler [ prev<dom:vcpu> = 0x00000002, next<dom:vcpu> = 0x7fff0000 ]',
  'CPU0  50475882826131 (+     246)  running_to_blocked  [ dom:vcpu = 0x00000002 ]',
  'CPU0  50475882826400 (+     269)  csched2:credit burn    [ dom:vcpu = 0x00000002, credit = 10486781, budget = 0, delta = 13219 ]',
  'CPU0  50475882826900 (+     500)  runnable_to_running [ dom:vcpu = 0x000e0002 ]',
  'CPU0  50475882827000 (+     100)  VMEXIT      [ exitcode = 0x00000001, rIP  = 0xffffffff8c001405 ]',
  'CPU0  0 (+       0)  INTR        [ vector = 0xfa ]',
  'CPU0  0 (+       0)  INJ_VIRQ    [ vector = 0xf3, fake = 0 ]',
  'CPU0  50475882827300 (+     300)  VMENTRY',
  'CPU2  0 (+       0)  cpu_change        0x00000002',
  'CPU2  50475882826000 (+       0)  hypercall  [ op = 0x00000014 ]',
  'CPU2  50475882826100 (+     100)  do_irq [ irq = 28, began = 1000us, ended = 1600us ]',
  'CPU2  50475882826200 (+     100)  hpet create [ tn = 0, irq = 2, delta = 0x0000000000001000, period = 0x0000000000000000 ]',
  'CPU2  50475882826300 (+     100)  unknown (0x0000000000084011)  [ 0x00000000 0x00000000 0x00000000 0x00000000 0x00000000 0x00000000 0x00000000 ]',
  'CPU2  50475882826400 (+     100)  lost_records      0x0000000a',
  'TSC stepped backward cpu 2 !  50475882826350 50475882826400',
  'CPU2  50475882826350 (+     -50)  page_grant_map      [ domid = 4 ]',
];

/** The same kind of output with `-c 2400`: seconds with a fraction instead of TSC cycles. */
const SECONDS_LINES = [
  'CPU1  21031.617844 (+       0)  VMENTRY',
  'CPU1  21031.617846 (+    4800)  VMEXIT      [ exitcode = 0x00000030, rIP  = 0xffffffff8c9e4f2d ]',
  'CPU0  21031.617845 (+       0)  runnable_to_running [ dom:vcpu = 0x00010000 ]',
  'CPU0  0.000000 (+       0)  CR_WRITE    [ CR# = 3, value = 0x0000000123456000 ]',
  'CPU0  21031.6178455 (+    1200)  hypercall  [ op = 0x00000017 ]',
];

function rows(m: TraceModel) {
  const e = m.events;
  return Array.from(e.kind, (k, i) => [e.tsNs[i], e.cpu[i], KINDS[k], m.str(e.name[i]), e.domain[i], e.vcpu[i]]);
}

describe('xentrace_format text', () => {
  it('splits names with spaces from their fields', () => {
    expect(splitName('csched2:credit burn    [ dom:vcpu = 0x00000002, credit = 1 ]')).toEqual(['csched2:credit burn', 'dom:vcpu = 0x00000002, credit = 1']);
    expect(splitName('lost_records      0x0000000a')).toEqual(['lost_records', '0x0000000a']);
    expect(splitName('unknown (0x0000000000084011)  [ 0x00000000 ]')).toEqual(['unknown (0x0000000000084011)', '0x00000000']);
    expect(splitName('hpet create [ tn = 0 ]')).toEqual(['hpet create', 'tn = 0']);
    expect(splitName('VMENTRY')).toEqual(['VMENTRY', '']);
  });

  it('is sniffed as xentrace, not as another text format', () => {
    expect(xentraceFormat.sniff(Buffer.from(TSC_LINES.join('\n')))).toBeGreaterThan(0.8);
  });

  it('TSC lines: merged across CPUs, no-TSC records inherit, kinds and attribution like the binary', async () => {
    const m = await loadTrace(tempFile(`${TSC_LINES.join('\n')}\n`, 'fmt.txt'), { cpuHz: 1e9 });
    expect(m.meta.format).toBe('xentrace');
    expect(checkIntegrity(m)).toEqual([]);
    const got = rows(m);
    // Merged by time; the tie at +515 goes to the lower CPU; CPU2's step back stays in CPU2's order.
    expect(got.map((r) => r[3])).toEqual([
      '__enter_scheduler', 'hypercall', 'do_irq', 'running_to_blocked', 'hpet create', 'unknown (0x0000000000084011)', 'csched2:credit burn',
      'lost_records', 'page_grant_map', 'runnable_to_running', 'VMEXIT', 'INTR', 'INJ_VIRQ', 'VMENTRY',
    ]);
    const at = (name: string) => got.findIndex((r) => r[3] === name);
    expect(got[at('__enter_scheduler')]).toEqual([0, 0, 'vcpu_switch', '__enter_scheduler', 0x7fff, 0]);
    expect(got[at('hypercall')]).toEqual([115, 2, 'hypercall', 'hypercall', -1, -1]);
    expect(got[at('do_irq')]).toEqual([215, 2, 'irq_entry', 'do_irq', 0x7fff, -1]);
    expect(got[at('page_grant_map')]).toEqual([465, 2, 'grant_op', 'page_grant_map', -1, -1]);
    expect(got[at('VMEXIT')]).toEqual([1115, 0, 'vmexit', 'VMEXIT', 14, 2]);
    expect(got[at('INTR')]).toEqual([1115, 0, 'irq_vector_entry', 'INTR', 14, 2]); // tsc 0: inherits
    expect(got[at('INJ_VIRQ')]).toEqual([1115, 0, 'irq_entry', 'INJ_VIRQ', 14, 2]);
    expect(m.meta.t0Ns).toBe('50475882825885');
    const e = m.events;
    const arg = (name: string) => [e.a0[at(name)], e.a1[at(name)], e.a2[at(name)], e.a3[at(name)], m.str(e.str0[at(name)])];
    expect(arg('hypercall')).toEqual([20, NaN, NaN, NaN, 'grant_table_op']);
    expect(arg('unknown (0x0000000000084011)')).toEqual([0x84011, NaN, NaN, NaN, '0x00000000 0x00000000 0x00000000 0x00000000 0x00000000 0x00000000 0x00000000']);
    expect(arg('lost_records')[0]).toBe(10);
    expect(arg('VMEXIT')).toEqual([1, 0xffffffff8c001405, NaN, NaN, 'EXTERNAL_INTERRUPT']);
    expect(arg('running_to_blocked')).toEqual([0, 2, 0, 2, '']);
    expect(summarizeInput(m, 'x').diagnostics.map((d) => [d.code, d.count])).toEqual([['xentrace/tsc-backwards', 1]]);
  });

  it('`-c MHz` seconds are exact (sec + ns), and need no --cpu-hz', async () => {
    const m = await loadTrace(tempFile(`${SECONDS_LINES.join('\n')}\n`, 'fmt-c.txt'));
    expect(m.diagnostics).toEqual([]);
    expect(m.meta.cpuHz).toBeNull();
    expect(m.meta.t0Ns).toBe('21031617844000');
    expect(rows(m)).toEqual([
      [0, 1, 'vmentry', 'VMENTRY', -1, -1],
      [1000, 0, 'runstate', 'runnable_to_running', 1, 0],
      [1000, 0, 'tlb_flush', 'CR_WRITE', 1, 0],
      [1500, 0, 'syscall_exit', 'hypercall', 1, 0],
      [2000, 1, 'vmexit', 'VMEXIT', -1, -1],
    ]);
    expect(m.events.a3[2]).toBe(0x123456000);
  });

  it('lines that are not records are counted and located', async () => {
    const m = await loadTrace(tempFile(`${SECONDS_LINES.join('\n')}\nTraceback (most recent call last):\n`, 'fmt-bad.txt'));
    expect(m.diagnostics.map((d) => [d.code, d.count, d.first.line])).toEqual([['xentrace/bad-line', 1, 6]]);
  });

  it('chunk size does not change the result', async () => {
    const p = tempFile(`${TSC_LINES.join('\n')}\n`, 'fmt-chunks.txt');
    const a = await loadTrace(p, { cpuHz: 1e9 });
    const b = await loadTrace(p, { cpuHz: 1e9, chunkBytes: 13 });
    expect(rows(b)).toEqual(rows(a));
  });
});
