import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../../src/model/integrity.js';
import { DOMAIN_HYPERVISOR } from '../../../src/model/schema.js';
import { loadTrace } from '../../../src/parsers/index.js';
import { summarizeInput } from '../../../src/report/input-summary.js';
import { opreportSection } from '../../../src/report/sections/opreport.js';
import { allStacks, opPct, opRow, parseText, samples, tempFile, totalWeight, warnings } from './helpers.js';

/**
 * Realistic Xen opreport texts the shared samples lack: a dom0 `-l` profile with two events and
 * a hot grant-table lock in Xen, a Xen callgraph, an image summary split per CPU with nested
 * dependent images, and a timer-mode profile. Rows are laid out exactly as format_output pads them.
 */
const HEADER = [
  'CPU: Intel Xeon E5-2670 0 @ 2.60GHz, speed 2600.06 MHz (estimated)',
  'Counted CPU_CLK_UNHALTED events (Clock cycles when not halted) with a unit mask of 0x00 (No unit mask) count 100000',
];
const XEN = 'xen-syms-4.1.2_14-0.5.5';

// [CPU_CLK_UNHALTED, LLC_MISSES, image, symbol]: sums 200000 and 2000.
const DOM0_ROWS: [number, number, string, string][] = [
  [60000, 300, XEN, '_spin_lock'],
  [40000, 600, 'domain1-xen', '(no symbols)'],
  [30000, 500, XEN, '__gnttab_copy'],
  [24999, 250, 'domain1-kernel', '(no symbols)'],
  [20000, 100, XEN, 'do_grant_table_op'],
  [15000, 50, 'vmlinux-syms-2.6.32.57', 'xen_hypercall_grant_table_op'],
  [10000, 200, 'xen-netback', 'xenvif_start_xmit'],
  [1, 0, 'anon (tgid:2211 range:0x7f3475000000-0x7f347616ffff)', '(no symbols)'],
  [0, 0, 'qemu-dm', 'std::vector<int, std::allocator<int> >::push_back(int const&)'],
];

function dom0Profile(): string {
  const lines = [
    ...HEADER,
    'Counted LLC_MISSES events (Last level cache demand requests from this core that missed the LLC) with a unit mask of 0x41 (No unit mask) count 6000',
    'samples  %        samples  %        image name               app name                 symbol name',
  ];
  for (const [cpu, llc, image, symbol] of DOM0_ROWS) {
    const app = image.startsWith('anon') ? 'qemu-dm' : image;
    lines.push(opRow([[cpu, 9], [opPct(cpu, 200000), 9], [llc, 9], [opPct(llc, 2000), 9], [image, 25], [app, 25]], symbol));
  }
  return `${lines.join('\n')}\n`;
}

describe('synthetic Xen opreport profiles', () => {
  it('dom0 -l profile with two events: one sample row per non-zero cell, exact totals, domains', async () => {
    const text = dom0Profile();
    expect(text).toContain(' 5.0e-04 '); // the exponent form, and an image name overflowing its 25 columns
    const path = tempFile(text);
    const model = await loadTrace(path); // sniffed
    expect(model.meta.format).toBe('xenoprof');
    expect(checkIntegrity(model)).toEqual([]);
    expect(warnings(model)).toEqual([]);
    expect(totalWeight(model, (s) => s.event === 'CPU_CLK_UNHALTED')).toBe(200000);
    expect(totalWeight(model, (s) => s.event === 'LLC_MISSES')).toBe(2000);
    expect(model.sampleCount).toBe(8 + 7); // zero cells make no rows
    const view = samples(model);
    const domainOf = (p: string) => view.find((s) => s.path === p)?.domain;
    expect(domainOf(`_spin_lock@${XEN}`)).toBe(DOMAIN_HYPERVISOR);
    expect(domainOf(`__gnttab_copy@${XEN}`)).toBe(DOMAIN_HYPERVISOR);
    expect(domainOf('(no symbols)@domain1-xen')).toBe(1);
    expect(domainOf('(no symbols)@domain1-kernel')).toBe(1);
    expect(domainOf('xen_hypercall_grant_table_op@vmlinux-syms-2.6.32.57')).toBe(0);
    expect(domainOf('xenvif_start_xmit@xen-netback')).toBe(0);
    expect(view).toContainEqual(expect.objectContaining({ weight: 1, event: 'CPU_CLK_UNHALTED', path: '(no symbols)@anon (tgid:2211 range:0x7f3475000000-0x7f347616ffff)' }));
    expect(model.meta.header['xenoprof local images']).toMatch(/^dom0/);
    expect(model.meta.header['Counted LLC_MISSES']).toMatch(/count 6000$/);

    // The summary block: per-event totals, the hypervisor image first among symbol lists.
    const details = summarizeInput(model, path).details?.opreport as {
      events: unknown;
      images: { image: string; domain_label: string }[];
      symbols: { image: string; top: { symbol: string; samples: Record<string, number> }[] }[];
    };
    expect(details.events).toEqual([
      { event: 'CPU_CLK_UNHALTED', samples: 200000 },
      { event: 'LLC_MISSES', samples: 2000 },
    ]);
    expect(details.images[0]).toMatchObject({ image: XEN, domain_label: 'hypervisor' });
    expect(details.symbols[0].image).toBe(XEN);
    expect(details.symbols[0].top[0]).toEqual({ symbol: '_spin_lock', samples: { CPU_CLK_UNHALTED: 60000, LLC_MISSES: 300 } });
    const lines = opreportSection.text(model);
    expect(lines[0]).toBe(`opreport: CPU_CLK_UNHALTED 200,000 samples · LLC_MISSES 2,000 samples  (CPU: ${HEADER[0].slice(5)})`);
    expect(lines.some((l) => /110,000 +55\.0% +900 +45\.0% +hypervisor +xen-syms-4\.1\.2_14-0\.5\.5$/.test(l))).toBe(true);
  });

  it('Xen callgraph: _spin_lock self samples split over its grant-table callers, links kept', async () => {
    const cg = (indent: boolean, n: number, total: number, image: string, sym: string) =>
      (indent ? '  ' : '') + opRow([[n, 9], [opPct(n, total), 9], [image, 25]], sym);
    const sep = '-'.repeat(79);
    const text = [
      ...HEADER,
      'samples  %        image name               symbol name',
      sep,
      cg(true, 300, 400, XEN, 'do_grant_table_op'),
      cg(true, 100, 400, XEN, '__gnttab_copy'),
      cg(false, 500, 1000, XEN, '_spin_lock'),
      cg(true, 500, 500, XEN, '_spin_lock [self]'),
      sep,
      cg(true, 920, 920, 'vmlinux', 'xen_hypercall_grant_table_op'),
      cg(false, 300, 1000, XEN, 'do_grant_table_op'),
      cg(true, 300, 920, XEN, 'do_grant_table_op [self]'),
      cg(true, 300, 920, XEN, '_spin_lock'),
      cg(true, 320, 920, XEN, '__gnttab_copy'),
      sep,
      cg(true, 320, 320, XEN, 'do_grant_table_op'),
      cg(false, 200, 1000, XEN, '__gnttab_copy'),
      cg(true, 200, 320, XEN, '__gnttab_copy [self]'),
      cg(true, 100, 320, XEN, '_spin_lock'),
      cg(true, 20, 320, XEN, '__gnttab_copy'), // recursion: itself as a callee, without [self]
      sep,
      '',
    ].join('\n');
    const model = await parseText(text);
    expect(checkIntegrity(model)).toEqual([]);
    expect(warnings(model)).toEqual([]);
    expect(totalWeight(model)).toBe(1000);
    expect(samples(model).map((s) => [s.weight, s.path, s.domain])).toEqual([
      [375, `do_grant_table_op@${XEN} > _spin_lock@${XEN}`, DOMAIN_HYPERVISOR],
      [125, `__gnttab_copy@${XEN} > _spin_lock@${XEN}`, DOMAIN_HYPERVISOR],
      [300, `xen_hypercall_grant_table_op@vmlinux > do_grant_table_op@${XEN}`, DOMAIN_HYPERVISOR],
      [200, `do_grant_table_op@${XEN} > __gnttab_copy@${XEN}`, DOMAIN_HYPERVISOR],
    ]);
    const stacks = allStacks(model);
    expect(stacks).toContain(`__gnttab_copy@${XEN} > __gnttab_copy@${XEN}`);
    expect(stacks).toContain(`do_grant_table_op@${XEN} > _spin_lock@${XEN}`);
    expect(stacks).not.toContain(`_spin_lock@${XEN} > _spin_lock@${XEN}`); // [self] is not an arc
  });

  it('image summary split per CPU, with nested dependent images (xen-syms among them)', async () => {
    const summary = (indent: string, n0: number, t0: number, n1: number, t1: number, image: string) =>
      `${indent}${String(n0).padStart(9)} ${opPct(n0, t0).padStart(7)} ${String(n1).padStart(9)} ${opPct(n1, t1).padStart(7)} ${image}`;
    const title = (indent: string) => [`${indent}CPU_CLK_UNHALT...|CPU_CLK_UNHALT...|`, `${indent}  samples|      %|  samples|      %|`, `${indent}${'-'.repeat(36)}`];
    const text = [
      ...HEADER,
      'Samples on CPU 0',
      'Samples on CPU 1',
      ...title(''),
      summary('', 9000, 10000, 600, 1000, '/usr/sbin/xenstored'),
      ...title('\t'),
      summary('\t', 6000, 9000, 400, 600, XEN),
      summary('\t', 2999, 9000, 200, 600, '/lib/modules/2.6.32.57-xen/vmlinux'),
      summary('\t', 1, 9000, 0, 600, '/usr/sbin/xenstored'),
      summary('', 1000, 10000, 400, 1000, '/usr/lib/xen/bin/qemu-dm'),
    ].join('\n');
    const model = await parseText(text);
    expect(checkIntegrity(model)).toEqual([]);
    expect(warnings(model)).toEqual([]);
    expect(totalWeight(model, (s) => s.cpu === 0)).toBe(10000);
    expect(totalWeight(model, (s) => s.cpu === 1)).toBe(1000);
    const view = samples(model);
    const xs = '/usr/sbin/xenstored@/usr/sbin/xenstored';
    expect(view.filter((s) => s.path === `${xs} > ${XEN}@${XEN}`).map((s) => [s.cpu, s.weight, s.domain])).toEqual([
      [0, 6000, DOMAIN_HYPERVISOR],
      [1, 400, DOMAIN_HYPERVISOR],
    ]);
    expect(view.find((s) => s.path.endsWith('vmlinux'))?.domain).toBe(0);
    expect(view.filter((s) => s.path === xs).map((s) => s.weight)).toEqual([1]); // the app's own image: one frame
  });

  it('--details (-d) with vma and linenr columns: per-address sub-rows do not count twice', async () => {
    const text = [
      ...HEADER,
      'vma      samples  %        linenr info                 image name               symbol name',
      opRow([['ffff82c48012a1f0', 9], [1200, 9], [opPct(1200, 2000), 9], ['spinlock.c:83', 28], [XEN, 25]], '_spin_lock'),
      `  ${opRow([['ffff82c48012a1f4', 9], [700, 9], [opPct(700, 1200), 9]], '')}`,
      `  ${opRow([['ffff82c48012a1f9', 9], [500, 9], [opPct(500, 1200), 9]], '')}`,
      opRow([['00001234', 9], [800, 9], [opPct(800, 2000), 9], ['(no location information)', 28], ['vmlinux', 25]], 'xen_hypercall_grant_table_op'),
    ].join('\n');
    const model = await parseText(text);
    expect(warnings(model)).toEqual([]);
    expect(samples(model).map((s) => [s.weight, s.path])).toEqual([
      [1200, `_spin_lock@${XEN}`],
      [800, 'xen_hypercall_grant_table_op@vmlinux'],
    ]);
  });

  it('timer mode, and a plain (non-Xen) profile keeps domains unknown', async () => {
    const text = [
      'CPU: CPU with timer interrupt, speed 0 MHz (estimated)',
      'Profiling through timer interrupt',
      'samples  %        image name               symbol name',
      opRow([[30, 9], [opPct(30, 40), 9], ['vmlinux', 25]], 'default_idle'),
      opRow([[10, 9], [opPct(10, 40), 9], ['libc-2.11.so', 25]], 'memcpy'),
    ].join('\n');
    const model = await parseText(text);
    expect(samples(model).map((s) => [s.event, s.weight, s.domain])).toEqual([
      ['timer', 30, -1],
      ['timer', 10, -1],
    ]);
    expect(model.diagnostics).toEqual([]);
  });
});
