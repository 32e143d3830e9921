import { describe, expect, it } from 'vitest';
import { StrictModeError } from '../../../src/model/diagnostics.js';
import { checkIntegrity } from '../../../src/model/integrity.js';
import { loadTrace } from '../../../src/parsers/index.js';
import { opPct, opRow, parseText, tempFile, totalWeight, warnings } from './helpers.js';

/** Malformed, truncated and unsupported opreport text: located diagnostics, never a crash. */
const HEAD = [
  'CPU: AMD64 family10, speed 2300 MHz (estimated)',
  'Counted CPU_CLK_UNHALTED events (Cycles outside of halt state) with a unit mask of 0x00 (No unit mask) count 100000',
  'samples  %        image name               symbol name',
];
const row = (n: number, total: number, image: string, sym: string) => opRow([[n, 9], [opPct(n, total), 9], [image, 25]], sym);
const GOOD = [row(600, 1000, 'xen-syms-3.4.2', '_spin_lock'), row(300, 1000, 'xen-syms-3.4.2', 'do_grant_table_op'), row(100, 1000, 'vmlinux', 'net_tx_action')];

const diag = (model: Awaited<ReturnType<typeof parseText>>, code: string) => model.diagnostics.find((d) => d.code === code);

describe('malformed opreport input', () => {
  it('bad rows are skipped, counted and located; good rows still load', async () => {
    const text = [...HEAD, GOOD[0], '12x4     1.0000  vmlinux                  foo', GOOD[1], '100      abc      vmlinux                  bar', 'some garbage inside the table', GOOD[2]].join('\n');
    const model = await parseText(text);
    expect(totalWeight(model)).toBe(1000);
    expect(checkIntegrity(model)).toEqual([]);
    const d = diag(model, 'xenoprof/bad-row');
    expect(d).toMatchObject({ severity: 'warning', count: 3, first: { line: 5, excerpt: '12x4     1.0000  vmlinux                  foo' } });
    expect(d?.more.map((l) => l.line)).toEqual([7, 8]);
    expect(d?.first.file).toMatch(/\.txt$/);
  });

  it('a table cut mid-row: the partial row is a located bad row, the rest loads', async () => {
    const whole = [...HEAD, ...GOOD].join('\n');
    const model = await parseText(whole.slice(0, whole.lastIndexOf('vmlinux') - 4));
    expect(totalWeight(model)).toBe(900);
    expect(diag(model, 'xenoprof/bad-row')?.first.line).toBe(6);
    expect(diag(model, 'xenoprof/partial-table')).toBeDefined(); // 900 of the ~1000 the percentages imply
  });

  it('a callgraph cut after a focus row, or missing its focus row: truncated-entry', async () => {
    const sep = '-'.repeat(79);
    const cut = [...HEAD, sep, `  ${row(10, 10, 'xen-syms-3.4.2', 'do_grant_table_op')}`, row(10, 100, 'xen-syms-3.4.2', '_spin_lock')].join('\n');
    const model = await parseText(cut);
    expect(totalWeight(model)).toBe(10); // the focus row is complete, so it loads
    expect(diag(model, 'xenoprof/truncated-entry')).toMatchObject({ severity: 'warning', first: { line: 6 } });
    const orphan = await parseText([...HEAD, sep, `  ${row(10, 10, 'xen-syms-3.4.2', 'do_grant_table_op')}`, sep].join('\n'));
    expect(orphan.sampleCount).toBe(0);
    expect(diag(orphan, 'xenoprof/truncated-entry')?.first.line).toBe(5);
  });

  it('a nested dependent-image table cut short no longer adds up to its application row', async () => {
    const text = [
      'CPU_CLK_UNHALT...|',
      '  samples|      %|',
      '------------------',
      '     1000 100.000 /usr/sbin/xenstored',
      '\tCPU_CLK_UNHALT...|',
      '\t  samples|      %|',
      '\t------------------',
      '\t      600 60.0000 xen-syms-3.4.2',
    ].join('\n');
    const model = await parseText(text);
    expect(diag(model, 'xenoprof/total-mismatch')).toMatchObject({ severity: 'warning', first: { line: 4 } });
    expect(totalWeight(model)).toBe(600);
  });

  it('percentages that cannot hold the rows, and a [self] row that disagrees, are total mismatches', async () => {
    const over = await parseText([...HEAD, row(600, 1000, 'vmlinux', 'a'), row(300, 1000, 'vmlinux', 'b'), row(900, 1000, 'vmlinux', 'c')].join('\n'));
    expect(diag(over, 'xenoprof/total-mismatch')?.severity).toBe('warning');
    const sep = '-'.repeat(79);
    const self = await parseText([...HEAD, sep, row(50, 100, 'vmlinux', 'a'), `  ${row(40, 100, 'vmlinux', 'a [self]')}`, sep].join('\n'));
    expect(diag(self, 'xenoprof/total-mismatch')?.first.line).toBe(6);
  });

  it('--strict rejects the first bad row with StrictModeError naming file and line', async () => {
    const p = tempFile([...HEAD, GOOD[0], '77 not-a-percent vmlinux foo', GOOD[1]].join('\n'));
    const err = await loadTrace(p, { strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrictModeError);
    expect((err as StrictModeError).code).toBe('xenoprof/bad-row');
    expect((err as Error).message).toContain(`${p}:5`);
    // Info-level notes (prose, elisions) never trip --strict.
    const ok = await loadTrace(tempFile(['$ opreport -l', ...HEAD, ...GOOD, '...'].join('\n')), { strict: true });
    expect(ok.sampleCount).toBe(3);
  });

  it('a header whose class columns are uneven, and a wrapped Counted line that never ends', async () => {
    const model = await parseText(['Counted CPU_CLK_UNHALTED events (Cycles) with a', 'samples  %        samples  image name  symbol name', ...GOOD].join('\n'));
    expect(model.diagnostics.filter((d) => d.code === 'xenoprof/bad-header').map((d) => [d.count, d.first.line])).toEqual([[2, 1]]);
    expect(totalWeight(model)).toBe(1000); // rows read without a header
    expect(model.diagnostics.map((d) => d.code)).toContain('xenoprof/no-column-header');
  });

  it('prose only, empty tables, binary garbage and opreport errors: warnings, no crash', async () => {
    const prose = await parseText('opreport error: No sample file found: try running opcontrol --dump\nor specify a session containing sample files\n');
    expect(warnings(prose)).toEqual(['xenoprof/no-rows', 'xenoprof/tool-error']);
    const headerOnly = await parseText(HEAD.join('\n'));
    expect(warnings(headerOnly)).toEqual(['xenoprof/no-rows']);
    // Deterministic noise (an LCG), so the test never depends on luck.
    let x = 12345;
    const noise = Buffer.from(Array.from({ length: 64 * 1024 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24)));
    const binary = await loadTrace(tempFile(noise), { format: 'xenoprof' });
    expect(checkIntegrity(binary)).toEqual([]);
    expect(warnings(binary)).toContain('xenoprof/no-rows');
  });
});
