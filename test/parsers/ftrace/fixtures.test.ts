import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceBuilder } from '../../../src/model/builder.js';
import { Diagnostics } from '../../../src/model/diagnostics.js';
import { checkIntegrity } from '../../../src/model/integrity.js';
import type { TraceModel } from '../../../src/model/trace-model.js';
import { loadTrace } from '../../../src/parsers/index.js';
import { PayloadDecoders } from '../../../src/parsers/payload/decoder.js';
import { summarizeInput } from '../../../src/report/input-summary.js';
import { OWN_TRACES, SHARED_TRACES } from '../../helpers.js';

const sharedDir = join(SHARED_TRACES, 'ftrace');
const ownDir = join(OWN_TRACES, 'ftrace');
const textFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

/**
 * Independent per-event-name counts, the way one would grep for them (FORMATS.md §2.3's
 * robust regex, plus an optional trace-cmd instance prefix): the token before the first
 * `: ` after the timestamp names the event; a record without one is a function-tracer call;
 * `<stack trace>` entries are not events (they become the stack of the event before them).
 * function_graph entry and leaf lines (`func() {`, `func();`) count as `funcgraph_entry`.
 */
const RECORD = /^(?:\S+:\s+)?\s*.+?-\d+\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[\d+\]\s+(?:[dDbX.]\S{3,4}\s+)?\d+(?:\.\d+)?:\s+(.*)$/;
const GRAPH_CALL = /^\s*(?:\d+\.\d+\s+\|\s+)?\d+\)\s.*?[\w.$]+\(\)\s*[{;]/;

function grepCounts(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  for (const line of text.split('\n')) {
    const m = RECORD.exec(line);
    if (m !== null) {
      const body = m[1];
      if (body.startsWith('<stack trace>') || body.startsWith('<user stack trace>')) continue;
      const ev = /^([^:\s]+):(?:\s|$)/.exec(body);
      if (ev === null) add('function');
      else if (ev[1] !== 'kernel_stack' && ev[1] !== 'user_stack') add(ev[1]);
    } else if (GRAPH_CALL.test(line)) add('funcgraph_entry');
  }
  return counts;
}

function modelCounts(m: TraceModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of m.events.name) counts[m.str(name)] = (counts[m.str(name)] ?? 0) + 1;
  return counts;
}

/**
 * function_graph returns that name a function (`} /* f *\/`) with no open entry become rows of
 * their own (the call began before the capture, or its entry is missing): counted by hand.
 * funcgraph: the six returns opening the `-Htp` capture (__schedule … vfs_read) and one
 * `} /* ldsem_down_read *\/` whose entry line is absent. funcslower prints only such returns.
 */
const ORPHAN_RETURNS: Record<string, number> = { 'perf-tools__funcgraph_example.txt': 7, 'perf-tools__funcslower_example.txt': 18 };
/** Diagnostics the shared samples may carry: they are prose around pasted output. */
const PROSE_CODES = ['ftrace/graph-unmatched-return', 'ftrace/non-trace-line'];

describe.each([
  ['shared', sharedDir, PROSE_CODES],
  ['captured here', ownDir, [] as string[]],
])('ftrace samples (%s)', (_label, dir, allowed) => {
  it.each(textFiles(dir))('%s: sniffed, sound model, expected diagnostics only, grep-equal counts per event', async (file) => {
    const path = join(dir, file);
    const model = await loadTrace(path);
    expect(model.meta.format).toBe('ftrace');
    expect(checkIntegrity(model)).toEqual([]);
    for (const d of model.diagnostics) {
      expect(allowed, `${d.code}: ${d.first.line} ${d.first.excerpt}`).toContain(d.code);
      expect(d.severity).toBe('info');
    }
    const expected = grepCounts(readFileSync(path, 'utf8'));
    const orphans = ORPHAN_RETURNS[file] ?? 0;
    if (orphans > 0) expected.funcgraph_entry = (expected.funcgraph_entry ?? 0) + orphans;
    expect(modelCounts(model)).toEqual(expected);
  });
});

describe('prose around pasted output is skipped but counted', () => {
  it.each(textFiles(sharedDir))('%s', async (file) => {
    const model = await loadTrace(join(sharedDir, file));
    const prose = model.diagnostics.find((d) => d.code === 'ftrace/non-trace-line');
    expect(prose?.count).toBeGreaterThan(10);
    expect(prose?.first.line).toBe(1);
  });
});

describe('events.trace.txt against its measured ground truth (traces/ftrace/README.md)', () => {
  it('kinds, CPUs and header facts', async () => {
    const model = await loadTrace(join(ownDir, 'events.trace.txt'));
    const s = summarizeInput(model, 'x');
    expect(model.meta.cpuCount).toBe(2);
    expect(model.meta.header).toMatchObject({ tracer: 'nop', 'entries-in-buffer': '6818', 'entries-written': '6818' });
    expect(s.per_cpu).toEqual({ '0': 1232, '1': 5586 });
    expect(s.by_kind).toEqual({
      irq_entry: 26, irq_exit: 26, softirq_entry: 259, softirq_exit: 259, softirq_raise: 259, syscall_enter: 1618, syscall_exit: 1618,
      tlb_flush: 653, lock_wait_begin: 2, lock_wait_end: 2, queue_enqueue: 208, queue_start: 208, queue_xmit: 208, napi_poll: 204,
      sched_switch: 270, sched_wakeup: 166, other: 832,
    });
  });

  it('tlb_flush reasons, the pinned IRQ and per-task syscalls', async () => {
    const model = await loadTrace(join(ownDir, 'events.trace.txt'));
    const e = model.events;
    const kind = (i: number) => model.kindName(e.kind[i]);
    const tally = (pick: (i: number) => string | null) => {
      const out: Record<string, number> = {};
      for (let i = 0; i < model.eventCount; i++) {
        const k = pick(i);
        if (k !== null) out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    };
    expect(tally((i) => (kind(i) === 'tlb_flush' ? String(e.a1[i]) : null))).toEqual({ '0': 236, '3': 360, '4': 49, '5': 8 });
    expect(tally((i) => (kind(i) === 'irq_entry' ? `cpu${e.cpu[i]} irq=${e.a0[i]} ${model.str(e.str0[i])}` : null))).toEqual({ 'cpu1 irq=36 virtio1-req.0': 26 });
    const perTask = tally((i) => (kind(i) === 'syscall_enter' ? `${model.threads[e.utid[i]].comm}-${model.threads[e.utid[i]].tid}` : null));
    expect(perTask).toMatchObject({ 'tl_workload-7566': 468, 'tl_server-7567': 209, 'tl_spin-7568': 7, 'tl-ev-workload.-7563': 346 });
  });
});

describe('memoised payload decoding', () => {
  it('gives every row of events.trace.txt what a fresh decode of its payload gives', async () => {
    const path = join(ownDir, 'events.trace.txt');
    const model = await loadTrace(path);
    const payloads = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => RECORD.test(l))
      .map((l) => /^\S+?:\s+(.*)$/.exec((RECORD.exec(l) as RegExpExecArray)[1])?.[1] ?? '');
    expect(payloads.length).toBe(model.eventCount);
    // Seed the pool with the model's strings so that string ids (pointers, names) compare directly.
    const b = new TraceBuilder(new Diagnostics(), 'ftrace', 'fresh');
    for (const text of model.strings) b.pool.intern(text);
    const e = model.events;
    for (let i = 0; i < model.eventCount; i++) {
      const name = model.str(e.name[i]);
      const decoders = new PayloadDecoders();
      const row = b.event(0, 0, -1, 0, 0);
      decoders.for(name).decode(payloads[i].trimEnd(), b, row, decoders.scratch);
      const c = b.events.adaptive;
      expect([i, name, e.a0[i], e.a1[i], e.a2[i], e.a3[i], e.str0[i]]).toEqual([i, name, c.a0.get(row), c.a1.get(row), c.a2.get(row), c.a3.get(row), c.str0.get(row)]);
    }
    expect(b.pool.size).toBe(model.strings.length);
  });
});

describe('stacktrace.trace.txt: stacks attach to the event before them', () => {
  it('12 exec + 16 irq events, 22 stacks of 161 frames; idle irqs have none', async () => {
    const model = await loadTrace(join(ownDir, 'stacktrace.trace.txt'));
    const e = model.events;
    let frames = 0;
    const stacks: string[][] = [];
    for (let i = 0; i < model.eventCount; i++) {
      if (e.stack[i] < 0) {
        expect(model.threads[e.utid[i]].comm).toBe('<idle>');
        continue;
      }
      const funcs = model.stackFuncs(e.stack[i]);
      frames += funcs.length;
      stacks.push(funcs);
      const name = model.str(e.name[i]);
      expect(funcs[0]).toBe(`trace_event_raw_event_${name}`);
      // irqs enter through asm_common_interrupt (one interrupted a page fault, so that is not always the last frame)
      if (name === 'irq_handler_entry') expect(funcs).toContain('asm_common_interrupt');
      else expect(funcs[funcs.length - 1]).toBe('entry_SYSCALL_64_after_hwframe');
    }
    expect(model.eventCount).toBe(28);
    expect(stacks.length).toBe(22);
    expect(frames).toBe(161);
  });
});

describe('the same capture as tracefs text and as trace-cmd report', () => {
  it('yields the same events by kind, CPU, time, thread and event name, in the same order', async () => {
    const tracefs = await loadTrace(join(ownDir, 'events.trace.txt'));
    const report = await loadTrace(join(ownDir, 'events.trace-cmd-report.txt'));
    expect(report.meta.cpuCount).toBe(2);
    expect(report.meta.t0Ns).toBe(tracefs.meta.t0Ns);
    const key = (m: TraceModel, i: number) => {
      const t = m.threads[m.events.utid[i]];
      return `${m.kindName(m.events.kind[i])} cpu${m.events.cpu[i]} ${m.events.tsNs[i]} ${t.comm}-${t.tid} ${m.str(m.events.name[i])}`;
    };
    expect(report.eventCount).toBe(6818);
    expect(Array.from({ length: report.eventCount }, (_, i) => key(report, i))).toEqual(Array.from({ length: tracefs.eventCount }, (_, i) => key(tracefs, i)));
  });

  it('decodes the same numbers where both print them (pointers and trace-cmd plugin state letters excepted)', async () => {
    const a = await loadTrace(join(ownDir, 'events.trace.txt'));
    const b = await loadTrace(join(ownDir, 'events.trace-cmd-report.txt'));
    // Pointer-valued a0 (skbaddr, lock, napi) are hashed in tracefs and raw in trace-cmd (README, difference 5).
    const POINTER_A0 = new Set(['queue_enqueue', 'queue_start', 'queue_xmit', 'lock_wait_begin', 'lock_wait_end']);
    for (let i = 0; i < a.eventCount; i++) {
      const kind = a.kindName(a.events.kind[i]);
      if (!POINTER_A0.has(kind)) expect([kind, b.events.a0[i]]).toEqual([kind, a.events.a0[i]]);
      expect([kind, b.events.a1[i]]).toEqual([kind, a.events.a1[i]]);
      // trace-cmd's sched_switch plugin letters: W for I, X and Z swapped, no R+ (README, difference 5).
      if (kind !== 'sched_switch') expect([kind, b.events.a2[i]]).toEqual([kind, a.events.a2[i]]);
    }
  });
});

describe('truncated and chunked input', () => {
  const source = readFileSync(join(ownDir, 'events.trace.txt'), 'utf8');
  const lines = source.split('\n');
  const dir = mkdtempSync(join(tmpdir(), 'tl-ftrace-'));

  // Line 500 (index 499) is `… 429.235054: sys_enter: NR 13 (11, 7fffb04b1cb0, …)`.
  const target = lines[499];
  const tsAt = target.indexOf('429.235054');
  const nameAt = target.indexOf('sys_enter');
  const argsAt = target.indexOf('7fffb04b1cb0');
  it.each([
    ['mid-timestamp', tsAt + 6, 'ftrace/bad-line'],
    ['mid-event-name', nameAt + 5, 'ftrace/bad-line'],
    ['mid-payload', argsAt + 4, 'ftrace/unrecognised-payload'],
  ])('a file cut %s: the complete records, then a located diagnostic, no crash', async (_label, keep, code) => {
    const cut = target.slice(0, keep);
    const path = join(dir, `cut-${keep}.txt`);
    writeFileSync(path, `${lines.slice(0, 499).join('\n')}\n${cut}`);
    const model = await loadTrace(path);
    // 12 header lines, then one record per line; a record cut in its payload is still a record.
    expect(model.eventCount).toBe(499 - 12 + (code === 'ftrace/unrecognised-payload' ? 1 : 0));
    const warnings = model.diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings.map((d) => [d.code, d.count, d.first.line])).toEqual([[code, 1, 500]]);
    expect(cut.endsWith(warnings[0].first.excerpt ?? '?')).toBe(true);
  });

  it.each([
    [ownDir, 'events.trace.txt'],
    [ownDir, 'stacktrace.trace.txt'],
    [sharedDir, 'perf-tools__funcgraph_example.txt'],
    [sharedDir, 'trace-cmd__report-man-examples.txt'],
  ])('%s/%s in 7-byte chunks gives the same model', async (d, file) => {
    const whole = await loadTrace(join(d, file));
    const chunked = await loadTrace(join(d, file), { chunkBytes: 7 });
    expect(chunked.eventCount).toBe(whole.eventCount);
    expect(modelCounts(chunked)).toEqual(modelCounts(whole));
    for (const col of ['tsNs', 'cpu', 'utid', 'kind', 'a0', 'a1', 'a2', 'a3', 'str0', 'stack'] as const) {
      expect(Array.from(chunked.events[col]), col).toEqual(Array.from(whole.events[col]));
    }
    expect(chunked.strings).toEqual(whole.strings);
    expect(chunked.diagnostics.map((x) => [x.code, x.count])).toEqual(whole.diagnostics.map((x) => [x.code, x.count]));
  });
});
