import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOMAIN_HYPERVISOR } from '../../../src/model/schema.js';
import { sniffFormat } from '../../../src/parsers/registry.js';
import { imageDomain } from '../../../src/parsers/xenoprof/domains.js';
import { splitProportionally } from '../../../src/parsers/xenoprof/emit.js';
import { parseColumnHeader, parseRow, parseSummaryColumns, parseSummaryTitle } from '../../../src/parsers/xenoprof/grammar.js';
import { splitNames } from '../../../src/parsers/xenoprof/names.js';
import { sniffXenoprof } from '../../../src/parsers/xenoprof/sniff.js';
import { OWN_TRACES, SHARED_TRACES } from '../../helpers.js';

describe('opreport grammar (chevrotain)', () => {
  it('column headers declare vma, per-class columns and name columns', () => {
    expect(parseColumnHeader('samples  %        image name               symbol name')).toEqual({
      vma: false,
      perClass: ['samples', 'pct'],
      classes: 1,
      linenr: false,
      image: true,
      app: false,
      symbol: true,
    });
    expect(parseColumnHeader('samples %       samples  %      samples %  app name                         symbol name')).toMatchObject({ classes: 3, image: false, app: true });
    expect(parseColumnHeader('vma      samples  cum. samples  %        cum. %     linenr info                 image name               symbol name')).toMatchObject({
      vma: true,
      perClass: ['samples', 'cumSamples', 'pct', 'cumPct'],
      linenr: true,
    });
    expect(parseColumnHeader('samples  %        diff %    symbol name')).toMatchObject({ perClass: ['samples', 'pct', 'diff'], image: false });
    expect(parseColumnHeader('samples  %  samples  image name')).toBeNull(); // uneven classes
  });

  it('image-summary titles and column lines', () => {
    expect(parseSummaryTitle('CPU_CLK_UNHALT...|')).toEqual(['CPU_CLK_UNHALT...']);
    expect(parseSummaryTitle('\tCPU_CLK_UNHALT...|LLC_MISSES:6000|')).toEqual(['CPU_CLK_UNHALT...', 'LLC_MISSES:6000']);
    expect(parseSummaryColumns('  samples|      %|  samples|      %|')).toBe(2);
    expect(parseSummaryColumns('CPU_CLK_UNHALT...|')).toBeNull();
  });

  it('rows: exponent percentages, bare 0, diff marks, numbers glued to names stay names', () => {
    const cells = (text: string, max = Infinity) => parseRow(text, false, max)?.values.map((v) => `${v.kind}:${v.text}`);
    expect(cells('        1 7.5e-04 ld-2.12.so')).toEqual(['int:1', 'dec:7.5e-04']);
    expect(cells('0       0        47  0.0398 domain1-xen-unknown')).toEqual(['int:0', 'int:0', 'int:47', 'dec:0.0398']);
    expect(cells('54226    ---      ---       c')).toEqual(['int:54226', 'mark:---', 'mark:---']);
    expect(cells('48787    25.6175  -2.2e-01  b')).toEqual(['int:48787', 'dec:25.6175', 'signed:-2.2e-01']);
    expect(cells('34333     9.2380  7635.jo  java  void test.f1()')).toEqual(['int:34333', 'dec:9.2380']);
    expect(cells('5 2.5 42 symbol-is-a-number', 2)).toEqual(['int:5', 'dec:2.5']); // the header bounds the cells
    expect(parseRow('12x4 1.0 foo', false, 2)).toBeNull();
  });

  it('name columns: anon images with spaces, overflowing columns, symbols with spaces', () => {
    const names = (text: string, header: string | null) => {
      const row = parseRow(text, false, 2);
      return row && splitNames(text, row.names, header === null ? null : parseColumnHeader(header), false);
    };
    const withApp = 'samples  %        image name               app name                 symbol name';
    expect(names('  27       61.3636  anon (tgid:10014 range:0x100000-0x103000) java.bin                 (no symbols)', withApp)).toMatchObject({
      image: 'anon (tgid:10014 range:0x100000-0x103000)',
      app: 'java.bin',
      symbol: '(no symbols)',
    });
    expect(names('32      91.4286 xen-syms-2.6.18-53.1.14.el5.debug pit_read_counter', 'samples %  app name  symbol name')).toMatchObject({
      image: null,
      app: 'xen-syms-2.6.18-53.1.14.el5.debug',
      symbol: 'pit_read_counter',
    });
    expect(names('474       4.1121  operf                    OP_perf_utils::op_write_event(event_union*, unsigned long long)', 'samples  %  image name  symbol name')).toMatchObject({
      image: 'operf',
      symbol: 'OP_perf_utils::op_write_event(event_union*, unsigned long long)',
      undeclaredApp: false,
    });
    expect(names('47       58.7500  mono                     \t\t\t(no symbols)', 'samples  %  image name  symbol name')).toMatchObject({ image: 'mono', symbol: '(no symbols)' });
    expect(names('   538 12.7973 domain2-apps', null)).toMatchObject({ image: 'domain2-apps', app: null, symbol: null });
  });

  it('self samples are split over callers in integers that add up exactly', () => {
    expect(splitProportionally(84590, [197, 127036])).toEqual([131, 84459]);
    expect(splitProportionally(8, [1, 2, 4, 37])).toEqual([0, 0, 1, 7]);
    expect(splitProportionally(5, [0, 0])).toEqual([0, 0]);
    expect(splitProportionally(10, [1, 1, 1])).toEqual([4, 3, 3]);
  });
});

describe('image → domain', () => {
  it.each([
    ['xen-syms-2.6.18-53.1.14.el5.debug', 'hypervisor', DOMAIN_HYPERVISOR],
    ['/usr/lib/debug/boot/xen-syms-4.1.2_14-0.5.5', 'hypervisor', DOMAIN_HYPERVISOR],
    ['xen-syms', 'hypervisor', DOMAIN_HYPERVISOR],
    ['domain1-apps', 'passive', 1],
    ['domain13-modules', 'passive', 13],
    ['domain3-xen-unknown', 'passive', 3],
    ['domain2-kernel', 'passive', 2],
    ['vmlinux', 'local', -1],
    ['no-vmlinux', 'local', -1],
    ['xen-netback.ko', 'local', -1],
    ['xenstored', 'local', -1],
  ])('%s → %s %i', (image, role, domain) => {
    expect(imageDomain(image)).toEqual({ role, domain });
  });
});

describe('sniffing', () => {
  const dir = (...p: string[]) => {
    try {
      return readdirSync(join(...p)).filter((f) => f.endsWith('.txt')).map((f) => join(...p, f));
    } catch {
      return [];
    }
  };
  const head = (p: string) => readFileSync(p).subarray(0, 4096);
  const others = [...dir(SHARED_TRACES, 'perf-script'), ...dir(OWN_TRACES, 'perf-script'), ...dir(SHARED_TRACES, 'ftrace'), ...dir(OWN_TRACES, 'ftrace')];

  it.each(others)('%s is not claimed as opreport', (p) => {
    expect(sniffXenoprof(head(p))).toBe(0);
    expect(sniffFormat(head(p))?.id).not.toBe('xenoprof');
  });

  it.each(dir(SHARED_TRACES, 'xenoprof'))('%s is claimed as opreport', (p) => {
    expect(sniffFormat(head(p))?.id).toBe('xenoprof');
  });

  it('a headerless callgraph excerpt (rows and 79-dash separators) is opreport, not ftrace', () => {
    const doc = readFileSync(join(SHARED_TRACES, 'xenoprof', 'oprofile-doc__opreport-examples.txt'), 'latin1');
    const block25 = doc.slice(doc.indexOf('##### <screen> block #25'), doc.indexOf('##### <screen> block #27')).split('\n').slice(1).join('\n');
    expect(sniffXenoprof(Buffer.from(block25))).toBe(0.7);
    expect(sniffFormat(Buffer.from(block25))?.id).toBe('xenoprof');
  });
});
