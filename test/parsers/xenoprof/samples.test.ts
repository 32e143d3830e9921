import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../../src/model/integrity.js';
import { DOMAIN_HYPERVISOR } from '../../../src/model/schema.js';
import { loadTrace } from '../../../src/parsers/index.js';
import { sharedTrace } from '../../helpers.js';
import { allStacks, parseText, samples, totalWeight, warnings } from './helpers.js';

/**
 * The shared opreport samples (../shared/traces/xenoprof, see its README): every file parses
 * through sniffing, and every table's parsed weight equals a count taken from the text with a
 * plain regex over its sample columns.
 */
const DOC = sharedTrace('xenoprof', 'oprofile-doc__opreport-examples.txt');
const BOOK = sharedTrace('xenoprof', 'book-of-xen-zh__opreport-xen-syms-separate-all.excerpt.txt');
const PASSIVE = sharedTrace('xenoprof', 'xen-passive-domains__image-summary-2events.excerpt.txt');

/** The doc's `##### <screen> block #N` sections, by N. */
function docBlocks(): Map<number, string> {
  const blocks = new Map<number, string>();
  const parts = readFileSync(DOC, 'utf8').split(/^##### <screen> block #(\d+).*$/m);
  for (let i = 1; i < parts.length; i += 2) blocks.set(Number(parts[i]), parts[i + 1]);
  return blocks;
}

/** Sum of a numeric column over the lines a regex selects (group 1 = the count). */
function columnSum(text: string, line: RegExp): number {
  let sum = 0;
  for (const l of text.split('\n')) {
    const m = line.exec(l);
    if (m !== null) sum += Number(m[1]);
  }
  return sum;
}

// Image summaries: top-level rows are `%9u` right-aligned (< 8 leading blanks); nested rows are indented further.
const TOP_LEVEL_ROW = /^ {0,7}(\d+) +[\d.e-]+ +\S/;
// Symbol lists and callgraph focus rows start in column 0; caller/callee rows are indented.
const FOCUS_ROW = /^(\d+)\s+[\d.e-]+\s+\S/;

describe('shared xenoprof samples', () => {
  it.each([DOC, BOOK, PASSIVE])('%s is sniffed as xenoprof and yields a sound model', async (path) => {
    const model = await loadTrace(path);
    expect(model.meta.format).toBe('xenoprof');
    expect(model.sampleCount).toBeGreaterThan(0);
    expect(checkIntegrity(model)).toEqual([]);
    expect(model.meta.cpuCount).toBeNull();
    for (let i = 0; i < model.sampleCount; i++) expect(Number.isNaN(model.samples.tsNs[i])).toBe(true);
    // The only warning in any sample: the manual's diff profile, which is reported, not loaded.
    expect(warnings(model)).toEqual(path === DOC ? ['xenoprof/unsupported-diff'] : []);
  });

  it('reading in 7-byte chunks gives the same samples, stacks and diagnostics', async () => {
    const whole = await loadTrace(DOC);
    const chunked = await loadTrace(DOC, { chunkBytes: 7 });
    expect(samples(chunked)).toEqual(samples(whole));
    expect(allStacks(chunked)).toEqual(allStacks(whole));
    expect(chunked.diagnostics).toEqual(whole.diagnostics);
  });

  describe('oprofile manual blocks: parsed weight = regex count of the sample column', () => {
    const blocks = docBlocks();
    it('has the nine opreport blocks', () => expect([...blocks.keys()]).toEqual([21, 22, 24, 25, 27, 28, 34, 54, 55]));

    it.each([
      [21, TOP_LEVEL_ROW],
      [54, TOP_LEVEL_ROW],
      [55, TOP_LEVEL_ROW],
      [22, FOCUS_ROW],
      [24, FOCUS_ROW],
      [25, FOCUS_ROW],
      [28, FOCUS_ROW],
      [34, FOCUS_ROW],
    ])('block %i', async (n, rowRe) => {
      const text = blocks.get(n) as string;
      const model = await parseText(text);
      const expected = columnSum(text, rowRe);
      expect(expected).toBeGreaterThan(0);
      expect(totalWeight(model)).toBe(expected);
      expect(checkIntegrity(model)).toEqual([]);
      expect(warnings(model)).toEqual([]);
    });

    it('block 27 (diff profile) is refused with a located warning, not loaded', async () => {
      const text = blocks.get(27) as string;
      const model = await parseText(text);
      expect(model.sampleCount).toBe(0);
      const d = model.diagnostics.find((x) => x.code === 'xenoprof/unsupported-diff');
      expect(d).toMatchObject({ severity: 'warning', first: { excerpt: '4 row(s) skipped' } });
      // Located at the `samples  %  diff %  symbol name` header; its `+0.4999`, `---`, `+++`, `-2.2e-01` cells lexed fine.
      expect(d?.first.line).toBe(text.split('\n').findIndex((l) => l.includes('diff %')) + 1);
      expect(model.diagnostics.map((x) => x.code)).not.toContain('xenoprof/bad-row');
    });

    it('nested dependent-image tables add up to the application row that states their total', async () => {
      for (const n of [54, 55]) {
        const text = blocks.get(n) as string;
        const model = await parseText(text);
        // Stated totals: each application row; nested rows are tab-indented in these blocks.
        const apps = text.split('\n').filter((l) => TOP_LEVEL_ROW.test(l));
        for (const line of apps) {
          const [count, , app] = line.trim().split(/\s+/);
          const under = totalWeight(model, (s) => s.path.startsWith(`${app}@${app}`));
          expect(under, `${app} in block ${n}`).toBe(Number(count));
        }
      }
    });

    it('block 54: the single 100.000% row is the whole profile; 55 keeps the 7.5e-04 row', async () => {
      const b54 = await parseText(blocks.get(54) as string);
      expect(totalWeight(b54)).toBe(112342);
      const b55 = samples(await parseText(blocks.get(55) as string));
      expect(b55).toContainEqual(expect.objectContaining({ weight: 1, path: 'memcpyt@memcpyt > ld-2.12.so@ld-2.12.so' }));
    });

    it('block 21: elided dependent rows leave the rest on the application frame, names with spaces intact', async () => {
      const model = await parseText(blocks.get(21) as string);
      const xorg = samples(model).filter((s) => s.path.startsWith('/usr/bin/Xorg@'));
      expect(xorg.reduce((a, s) => a + s.weight, 0)).toBe(22577);
      const java = '/usr/lib/jvm/java-1.7.0-openjdk-1.7.0.55.x86_64/jre/bin/java';
      const anon = 'anon (tgid:29664 range:0x7f3475000000-0x7f347616ffff)';
      expect(samples(model)).toContainEqual(expect.objectContaining({ weight: 5666, path: `${java}@${java} > ${anon}@${anon}` }));
      expect(model.diagnostics.map((d) => d.code)).toContain('xenoprof/elided-rows');
    });

    it('block 22: C++ symbols with spaces and parentheses, module ext4.ko', async () => {
      const paths = samples(await parseText(blocks.get(22) as string)).map((s) => `${s.weight} ${s.path}`);
      expect(paths).toContain('474 OP_perf_utils::op_write_event(event_union*, unsigned long long)@operf');
      expect(paths).toContain('232 operf_process_info::find_mapping_for_sample(unsigned long long, bool)@operf');
      expect(paths).toContain('34 ext4_mark_iloc_dirty@ext4.ko');
    });

    it('block 24: callgraph keeps caller and callee links; self samples split over callers', async () => {
      const model = await parseText(blocks.get(24) as string);
      const stacks = allStacks(model);
      expect(stacks).toContain('main@cg > strfry@libc-2.3.2.so');
      expect(stacks).toContain('repeat@cg > strfry@libc-2.3.2.so');
      expect(stacks).toContain('strfry@libc-2.3.2.so > random_r@libc-2.3.2.so');
      expect(stacks).toContain('strfry@libc-2.3.2.so > __i686.get_pc_thunk.bx@libc-2.3.2.so');
      // 84590 self samples over callers 197 : 127036.
      expect(samples(model).map((s) => [s.weight, s.path])).toEqual([
        [131, 'main@cg > strfry@libc-2.3.2.so'],
        [84459, 'repeat@cg > strfry@libc-2.3.2.so'],
      ]);
    });

    it('block 25: headerless JIT callgraph with app-name column and an anon image', async () => {
      const model = await parseText(blocks.get(25) as string);
      const stacks = allStacks(model);
      for (const caller of ['traceV@libj9ute23.so', 'utsTraceV@libj9ute23.so', 'fillInUTInterfaces@libj9trc23.so', 'twGetSequenceCounter@libj9trc23.so']) {
        expect(stacks).toContain(`${caller} > j9time_hires_clock@libj9prt23.so`);
      }
      expect(stacks).toContain('j9time_hires_clock@libj9prt23.so > (no symbols)@anon (tgid:10014 range:0x100000-0x103000)');
      expect(stacks).toContain('j9time_hires_clock@libj9prt23.so > gettimeofday@libc-2.4.so');
      expect(totalWeight(model)).toBe(8);
    });

    it('block 28: tab-separated columns and `anon (…)` images; block 34: undeclared app column', async () => {
      const b28 = samples(await parseText(blocks.get(28) as string)).map((s) => `${s.weight} ${s.event} ${s.path}`);
      expect(b28).toEqual(['47 CYCLES (no symbols)@mono', '14 CYCLES (no symbols)@anon (tgid:3189 range:0xf72aa000-0xf72fa000)', '9 CYCLES (no symbols)@anon (tgid:3189 range:0xf6cca000-0xf6dd9000)']);
      const b34 = await parseText(blocks.get(34) as string);
      expect(samples(b34).map((s) => s.path)).toContain('void test$test_1.f2(int)@7635.jo');
      expect(samples(b34).map((s) => s.path)).toContain('void test$HelloThread.run()~@7635.jo');
      expect(b34.diagnostics.map((d) => d.code)).toContain('xenoprof/undeclared-column');
    });
  });

  it('book of Xen: three --separate=thread columns, the hypervisor image, a wrapped Counted line', async () => {
    const model = await loadTrace(BOOK);
    const text = readFileSync(BOOK, 'utf8');
    const rows = text.split('\n').filter((l) => /^\d/.test(l));
    for (const [col, tid] of [[0, 0], [2, 463], [4, 14185]]) {
      const expected = rows.reduce((a, l) => a + Number(l.split(/\s+/)[col]), 0);
      expect(totalWeight(model, (s) => s.tid === tid), `tid ${tid}`).toBe(expected);
    }
    expect(samples(model)).toEqual([
      { weight: 32, event: 'BUS_IO_WAIT', domain: DOMAIN_HYPERVISOR, cpu: -1, tid: 0, path: 'pit_read_counter@xen-syms-2.6.18-53.1.14.el5.debug' },
      { weight: 15, event: 'BUS_IO_WAIT', domain: DOMAIN_HYPERVISOR, cpu: -1, tid: 463, path: 'pit_read_counter@xen-syms-2.6.18-53.1.14.el5.debug' },
      { weight: 1, event: 'BUS_IO_WAIT', domain: 0, cpu: -1, tid: 0, path: '(no symbols)@ahci' },
      { weight: 1, event: 'BUS_IO_WAIT', domain: 0, cpu: -1, tid: 0, path: 'bio_put@vmlinux' },
      { weight: 1, event: 'BUS_IO_WAIT', domain: 0, cpu: -1, tid: 0, path: 'hypercall_page@vmlinux' },
    ]);
    expect(model.meta.header['Counted BUS_IO_WAIT']).toContain('(All cores) count 500');
    expect(model.meta.header.CPU).toBe('Core 2, speed 2400.08 MHz (estimated)');
    expect(model.diagnostics.map((d) => [d.code, d.first.line])).toContainEqual(['xenoprof/non-table-line', 2]);
  });

  it('passive domains: two event columns, domainN-* images map to domain N', async () => {
    const model = await loadTrace(PASSIVE);
    const text = readFileSync(PASSIVE, 'utf8');
    const col = (i: number) => columnSum(text, new RegExp(`^\\s*${'\\S+\\s+'.repeat(i)}(\\d+)`));
    expect(totalWeight(model, (s) => s.event === 'unknown#1')).toBe(col(0));
    expect(totalWeight(model, (s) => s.event === 'unknown#2')).toBe(col(2));
    const view = samples(model);
    expect(view.filter((s) => s.path === 'domain1-apps@domain1-apps').map((s) => [s.event, s.weight, s.domain])).toEqual([
      ['unknown#1', 229, 1],
      ['unknown#2', 9808, 1],
    ]);
    expect(view.find((s) => s.path.startsWith('domain13-'))?.domain).toBe(13);
    expect(view.find((s) => s.path.startsWith('domain3-xen-unknown'))?.domain).toBe(3);
    // `0       0` cells make no sample row.
    expect(view.filter((s) => s.path.startsWith('domain1-xen-unknown')).map((s) => s.event)).toEqual(['unknown#2']);
  });
});
