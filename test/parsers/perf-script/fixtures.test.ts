import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../../src/model/integrity.js';
import { KIND_CODE } from '../../../src/model/schema.js';
import { loadTrace } from '../../../src/parsers/index.js';
import { summarizeInput } from '../../../src/report/input-summary.js';
import { rankProfile } from '../../../src/report/profile.js';
import { OWN_TRACES, SHARED_TRACES } from '../../helpers.js';

/**
 * Independent record count, the way one would grep for it: lines that are not comments,
 * blank, or tab-indented frames; a space-indented line counts only when it carries a
 * `[cpu]` or a `sec.usec:` time (padded comm), otherwise it is a space-indented frame.
 */
function grepRecordCount(text: string): number {
  return text
    .split('\n')
    .filter((l) => !/^(#|\s*$|\t)/.test(l))
    .filter((l) => !/^\s/.test(l) || /\s\d+\.\d+:\s|\s\[\d+\]\s/.test(l)).length;
}

function textFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
}

async function compactSummary(path: string) {
  const model = await loadTrace(path);
  const s = summarizeInput(model, path);
  const profile = rankProfile(model, 3);
  return {
    model,
    summary: s,
    snapshot: {
      events: s.events,
      samples: s.samples,
      cpus: s.cpus,
      duration_ns: s.duration_ns,
      by_kind: s.by_kind,
      threads: model.threads.length,
      stacks: model.stacks.parent.length,
      top: profile.functions.map((f) => `${f.self}/${f.total} ${f.func}`),
    },
  };
}

const sharedDir = join(SHARED_TRACES, 'perf-script');
const ownDir = join(OWN_TRACES, 'perf-script');

describe.each([
  ['shared', sharedDir],
  ['captured here', ownDir],
])('perf script samples (%s)', (_label, dir) => {
  it.each(textFiles(dir))('%s: no diagnostics, sound model, grep-equal record count', async (file) => {
    const path = join(dir, file);
    const { model, summary, snapshot } = await compactSummary(path);
    expect(summary.diagnostics).toEqual([]);
    expect(checkIntegrity(model)).toEqual([]);
    expect(summary.events).toBe(grepRecordCount(readFileSync(path, 'utf8')));
    expect(snapshot).toMatchSnapshot();
  });
});

describe('known facts about particular samples', () => {
  it('header block gives the CPU count and the recorded events', async () => {
    const model = await loadTrace(join(sharedDir, 'flamegraph__perf-cycles-instructions-01.txt'));
    expect(model.meta.cpuCount).toBe(8);
    expect(model.meta.header.events).toBe('cycles,instructions');
    expect(model.meta.header['event.cycles.sample_type']).toBe('IP|TID|TIME|CALLCHAIN|ID|CPU|BRANCH_STACK');
  });

  it('kernel frames resolved against vmlinux keep their DSO (no ffffffff prefix)', async () => {
    const model = await loadTrace(join(sharedDir, 'flamegraph__perf-iperf-stacks-pidtid-01.txt'));
    const modules = new Set(Array.from(model.frames.module, (m) => model.str(m)));
    expect([...modules].some((m) => m.includes('vmlinux'))).toBe(true);
    const funcs = new Set(Array.from(model.frames.func, (f) => model.str(f)));
    expect(funcs.has('xen_hypercall_xen_version')).toBe(true);
    // pid/tid form: pids are recorded per thread
    expect(model.threads.some((t) => t.pid === 27409 && t.tid === 28744)).toBe(true);
  });

  it('symbols with spaces and parentheses keep the DSO from the last group', async () => {
    const model = await loadTrace(join(sharedDir, 'flamegraph__perf-vertx-stacks-01.slice.txt'));
    const funcs = Array.from(model.frames.func, (f) => model.str(f));
    expect(funcs.some((f) => f.includes(' ') && f.includes('('))).toBe(true);
    expect(model.samples.cpu.every((c) => c === -1)).toBe(true);
    expect(model.samples.tsNs.every((t) => Number.isNaN(t))).toBe(true);
  });

  it('times are exact integers relative to t0 (sec.usec parsed as integers)', async () => {
    const model = await loadTrace(join(sharedDir, 'speedscope__simple-with-pid.linux-perf.txt'));
    expect(model.meta.t0Ns).toBe('198791127353000');
    expect(Array.from(model.samples.tsNs).every((t) => Number.isInteger(t) && t % 1000 === 0)).toBe(true);
  });

  it('tracepoint captures decode their payloads and keep callchains', async () => {
    const model = await loadTrace(join(ownDir, 'tracepoints-g.perf.txt'));
    const s = summarizeInput(model, 'x');
    expect(s.by_kind).toEqual({ irq_entry: 22, tlb_flush: 618 });
    expect(Array.from(model.events.stack).every((st) => st >= 0)).toBe(true);
    const flush = Array.from(model.events.kind).indexOf(KIND_CODE.tlb_flush);
    expect(model.stackFuncs(model.events.stack[flush])).toEqual(['switch_mm_irqs_off', '__schedule', 'schedule', 'smpboot_thread_fn', 'kthread', 'ret_from_fork', 'ret_from_fork_asm']);
  });
});
