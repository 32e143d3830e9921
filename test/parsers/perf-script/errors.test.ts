import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StrictModeError } from '../../../src/model/diagnostics.js';
import { loadTrace } from '../../../src/parsers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tracelens-errors-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const GOOD = [
  'bash  1200 [000]   100.000100:     250000 cpu-clock:ppp: ',
  '\tffffffff8101caaf do_syscall_64+0x1f ([kernel.kallsyms])',
  '\t           d4ad7 __GI___read+0x7 (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  '',
];

describe('malformed perf script input', () => {
  it('skips a bad line, counts it by code, locates it, and keeps going', async () => {
    const text = [...GOOD, 'garbage that is not a record', ...GOOD, 'more garbage', ...GOOD].join('\n');
    const model = await loadTrace(file('bad-lines.txt', text));
    expect(model.sampleCount).toBe(3);
    expect(model.diagnostics).toHaveLength(1);
    const d = model.diagnostics[0];
    expect(d).toMatchObject({ code: 'perf-script/bad-line', severity: 'warning', count: 2 });
    expect(d.first).toMatchObject({ line: 5, excerpt: 'garbage that is not a record' });
    expect(d.first.file).toContain('bad-lines.txt');
    expect(d.more[0]).toMatchObject({ line: 10, excerpt: 'more garbage' });
  });

  it('a garbled CPU field (beyond any machine) is a bad line, not CPU 99999999', async () => {
    const head = 'bash  1200 [99999999]   100.000200:     250000 cpu-clock:ppp: ';
    const model = await loadTrace(file('big-cpu.txt', [...GOOD, head, ...GOOD.slice(1)].join('\n')));
    expect(model.sampleCount).toBe(1);
    expect(model.diagnostics[0]).toMatchObject({ code: 'perf-script/bad-line', first: { line: 5, excerpt: head } });
  });

  it('--strict makes the first malformed record fatal, naming file and line', async () => {
    const text = [...GOOD, 'garbage', ...GOOD].join('\n');
    const p = file('strict.txt', text);
    const err = await loadTrace(p, { strict: true }).catch((e) => e);
    expect(err).toBeInstanceOf(StrictModeError);
    expect(err.code).toBe('perf-script/bad-line');
    expect(err.message).toContain(`${p}:5`);
  });

  it('an unknown payload layout for a known tracepoint is reported, the event kept', async () => {
    const text = 'sh  10 [001]   5.000001: irq:irq_handler_entry: totally different text\n';
    const model = await loadTrace(file('payload.txt', text));
    expect(model.eventCount).toBe(1);
    expect(model.diagnostics.map((d) => [d.code, d.first.line])).toEqual([['perf-script/unrecognised-payload', 1]]);
  });

  it('perf stderr mixed in: lost chunks are data loss, other messages are noted', async () => {
    const text = [...GOOD, 'Warning:', 'Processed 1000 events and lost 3 chunks!', 'Check IO/CPU overload!', ...GOOD].join('\n');
    const model = await loadTrace(file('stderr.txt', text));
    expect(model.sampleCount).toBe(2);
    expect(model.diagnostics.map((d) => [d.code, d.severity, d.count])).toEqual([
      ['perf-script/lost-chunks', 'warning', 1],
      ['perf-script/stderr-text', 'info', 2],
    ]);
  });

  it('PERF_RECORD_LOST becomes a lost event and a data-loss warning', async () => {
    const text = [...GOOD, 'perf  1234 [001]   100.000200: PERF_RECORD_LOST lost 17', ...GOOD].join('\n');
    const model = await loadTrace(file('lost.txt', text));
    expect(model.eventCount).toBe(1);
    expect(model.events.a0[0]).toBe(17);
    expect(model.diagnostics[0]).toMatchObject({ code: 'perf-script/lost-events', first: { line: 5 } });
  });

  it('a file cut mid-record keeps every complete record', async () => {
    const whole = [...GOOD, ...GOOD, ...GOOD].join('\n');
    const model = await loadTrace(file('cut.txt', whole.slice(0, whole.length - 30)));
    expect(model.sampleCount).toBe(3);
    expect(model.diagnostics).toEqual([]);
  });

  it('a perf -D raw dump is refused line by line as an error', async () => {
    const text = [...GOOD, '0x1a8 [0x30]: PERF_RECORD_SAMPLE(IP, 0x1): 1/1: 0xffff pid 0', ...GOOD].join('\n');
    const model = await loadTrace(file('raw.txt', text));
    expect(model.diagnostics.map((d) => [d.code, d.severity])).toEqual([['perf-script/raw-dump', 'error']]);
  });
});
