import { describe, expect, it } from 'vitest';
import { LINE_EVENT, LINE_FUNCTION, LINE_STACK, LINE_USER_STACK, looksLikeRecord, newFtraceHead, scanFtraceLine } from '../../../src/parsers/ftrace/event-line.js';
import {
  GRAPH_COMMENT,
  GRAPH_ENTRY,
  GRAPH_LEAF,
  GRAPH_MARK,
  GRAPH_RETURN,
  GRAPH_SWITCH,
  newGraphLine,
  scanGraphLine,
  scanGraphPayload,
  scanGraphSwitch,
} from '../../../src/parsers/ftrace/function-graph.js';
import { sniffFtrace } from '../../../src/parsers/ftrace/sniff.js';
import { perfScriptFormat } from '../../../src/parsers/perf-script/index.js';

const TYPE = { [LINE_EVENT]: 'event', [LINE_FUNCTION]: 'function', [LINE_STACK]: 'stack', [LINE_USER_STACK]: 'user-stack' } as Record<number, string>;

function scan(line: string) {
  const b = Buffer.from(line);
  const h = newFtraceHead();
  if (!scanFtraceLine(b, 0, b.length, h)) return null;
  const s = (a: number, e: number) => b.toString('utf8', a, e);
  return {
    type: TYPE[h.type],
    comm: s(h.commStart, h.commEnd),
    pid: h.pid,
    tgid: h.tgid,
    cpu: h.cpu,
    flags: s(h.flagsStart, h.flagsEnd),
    time: h.dotted ? `${h.sec}.${String(h.ns).padStart(9, '0')}` : `counter ${h.sec}|${h.ns}`,
    name: h.type === LINE_EVENT || h.type === LINE_FUNCTION ? s(h.nameStart, h.nameEnd) : '',
    payload: h.type === LINE_EVENT ? s(h.payloadStart, b.length) : '',
    parent: h.type === LINE_FUNCTION ? s(h.parentStart, h.parentEnd) : '',
  };
}

describe('ftrace record line grammar (FORMATS.md §2.3, §2.7)', () => {
  it.each([
    ['no irq-info column (pre-3.2 / irq-info off)', '          vmstat-11789 [000] 1763207.021204: do_nanosleep <-hrtimer_nanosleep', { flags: '', type: 'function', comm: 'vmstat', pid: 11789, parent: 'hrtimer_nanosleep' }],
    ['4-character irq-info, 5-wide pid', '          svscan-1678  [000] .... 6412438.703521: do_nanosleep <-hrtimer_nanosleep', { flags: '....', cpu: 0, time: '6412438.703521000' }],
    ['5-character irq-info, 7-wide pid', '            bash-7549    [000] .....   429.232907: sys_exit: NR 1 = 2', { flags: '.....', name: 'sys_exit', payload: 'NR 1 = 2' }],
    ['irq-info letters', '          <idle>-0       [005] dNh7. 162573.216219: sched_waking: comm=x pid=1 prio=120 target_cpu=007', { comm: '<idle>', pid: 0, cpu: 5, flags: 'dNh7.' }],
    ['TGID column', '            bash-1234    (   1230) [000] d..2.  123.456789: sys_exit: NR 1 = 2', { tgid: 1230, pid: 1234, cpu: 0 }],
    ['unknown TGID (-------)', '          <idle>-0       (-------) [003] d..2. 123.456789: sys_exit: NR 1 = 2', { tgid: -1, cpu: 3 }],
    ['older 5-wide TGID (-----)', '          <idle>-0     (-----) [003] d..2 123.456789: sys_exit: NR 1 = 2', { tgid: -1, flags: 'd..2' }],
    ['comm with a space', '     Web Content-1234    [001] ....  1.000000: sys_exit: NR 0 = 1', { comm: 'Web Content', pid: 1234 }],
    ['comm with dashes and a colon', '   kworker/u36:1-51219 [000] d..2. 162583.266957: sched_switch: x', { comm: 'kworker/u36:1', pid: 51219 }],
    ['comm ending in -digits', ' systemd-journal-1662  [001] .... 1.5: sys_exit: NR 0 = 1', { comm: 'systemd-journal', pid: 1662, time: '1.500000000' }],
    ['<...> comm (not in saved_cmdlines)', '           <...>-29476 [001] d... 6910688.231101: do_sys_open: (SyS_open+0x1e/0x20 <- do_sys_open)', { comm: '<...>', payload: '(SyS_open+0x1e/0x20 <- do_sys_open)' }],
    ['CPU numbers above 999 widen', '            bash-1 [1023] .... 1.000001: sys_exit: NR 1 = 2', { cpu: 1023 }],
    ['tab-indented line', '\t\tbash-1 [000] .... 1.000001: sys_exit: NR 1 = 2', { comm: 'bash' }],
    ['payload with further ": "', '  kworker-7 [002] .... 5.000001: bprint:               0xc042f8a0f: thermal_gpu_power_get: frequency=420', { name: 'bprint', payload: '0xc042f8a0f: thermal_gpu_power_get: frequency=420' }],
    ['event with an empty payload', '  kworker-7 [002] .... 5.000001: xen_mmu_flush_tlb_all: ', { name: 'xen_mmu_flush_tlb_all', payload: '' }],
    ['ns timestamps (trace-cmd -t)', '  kworker-7 [002] 5.000000123: sys_exit: NR 1 = 2', { time: '5.000000123' }],
    ['raw counter clock (no dot), wider than 2^53', '            bash-1 [000] .... 123456789012345678: sys_exit: NR 1 = 2', { time: 'counter 123456789|12345678' }],
    ['function tracer with sym-offset', '  svscan-1678  [000] .... 1.000001: do_nanosleep+0x0/0x60 <-hrtimer_nanosleep+0x95/0x130', { type: 'function', name: 'do_nanosleep+0x0/0x60', parent: 'hrtimer_nanosleep+0x95/0x130' }],
    ['function tracer with sym-addr', '  svscan-1678  [000] .... 1.000001: do_nanosleep <ffffffff8104e7a4> <-hrtimer_nanosleep <ffffffff81000001>', { type: 'function', name: 'do_nanosleep', parent: 'hrtimer_nanosleep' }],
    ['function tracer without print-parent', '  svscan-1678  [000] .... 1.000001: do_nanosleep', { type: 'function', name: 'do_nanosleep', parent: '' }],
    ['<stack trace>', '            sshd-5121  [000] d... 6897275.911309: <stack trace>', { type: 'stack' }],
    ['<user stack trace>', '            sshd-5121  [000] d... 6897275.911309: <user stack trace>', { type: 'user-stack' }],
    ['trace_marker write', '            bash-7549    [000] .....   429.0: tracing_mark_write: hello: world', { name: 'tracing_mark_write', payload: 'hello: world' }],
    ['trace-cmd: instance prefix, no flags, 20-column event padding', 'tl_events:             bash-7549  [000]   429.232907: sys_exit:             NR 1 = 2', { comm: 'bash', flags: '', payload: 'NR 1 = 2' }],
    ['trace-cmd: comm with colon and -digits', 'tl_probe:  memfd:sealed-91-1828  [000]   311.836603: sched_switch:         memfd:sealed-91:1828 [120] S ==> swapper/0:0 [120]', { comm: 'memfd:sealed-91', pid: 1828 }],
    ['trace-cmd: latency flags', '           sleep-89142 [001] ...1. 162573.215752: function:             mutex_unlock', { name: 'function', payload: 'mutex_unlock', flags: '...1.' }],
  ])('%s', (_label, line, expected) => {
    const got = scan(line);
    expect(got).not.toBeNull();
    expect(got).toMatchObject(expected);
  });

  it.each([
    ['truncated in the timestamp', '            bash-7549    [000] .....   429.23'],
    ['no colon after the timestamp', '            bash-7549    [000] .....   429.232907 sys_exit: NR 1 = 2'],
    ['unclosed [cpu', '            bash-7549    [000 .....   429.232907: sys_exit: NR 1 = 2'],
    ['no -pid before [cpu]', '            bash    [000] .....   429.232907: sys_exit: NR 1 = 2'],
    ['perf script head (comm pid, no dash)', '            bash  7549 [000]   429.232907: irq:irq_handler_entry: irq=1 name=x'],
    ['empty comm', '-7549 [000] .... 429.232907: sys_exit: NR 1 = 2'],
    ['nothing after the timestamp', '            bash-7549    [000] .....   429.232907: '],
    ['too many fraction digits', '            bash-7549    [000] .....   429.2329071234: sys_exit: NR 1 = 2'],
    ['a token with an inner colon is no event', '            bash-7549    [000] .....   429.232907: a:b c'],
    ['function line with trailing garbage', '  svscan-1678  [000] .... 1.000001: do_nanosleep and more words'],
    ['prose', 'Tracing "do_nanosleep"... Ctrl-C to end.'],
    ['bracketed prose', 'see [1] for details'],
  ])('rejects: %s', (_label, line) => {
    expect(scan(line)).toBeNull();
  });

  it('tells a damaged record from prose', () => {
    const b = (s: string) => Buffer.from(s);
    const damaged = b('            bash-7549    [000] .....   429.23');
    const prose = b('The (see note) [1] reference and 2019-2020 [x] ranges');
    expect(looksLikeRecord(damaged, 0, damaged.length)).toBe(true);
    expect(looksLikeRecord(prose, 0, prose.length)).toBe(false);
  });
});

function graph(line: string, payload = false) {
  const b = Buffer.from(line);
  const g = newGraphLine();
  const ok = payload ? scanGraphPayload(b, 0, b.length, g) : scanGraphLine(b, 0, b.length, g) || scanGraphSwitch(b, 0, b.length, g);
  if (!ok) return null;
  return {
    type: g.type,
    cpu: g.cpu,
    time: g.hasTime ? `${g.sec}.${g.ns}` : null,
    proc: b.toString('utf8', g.procStart, g.procEnd),
    dur: Number.isNaN(g.durNs) ? null : g.durNs,
    name: b.toString('utf8', g.nameStart, g.nameEnd),
  };
}

describe('function_graph line grammar (FORMATS.md §2.5)', () => {
  it.each([
    ['entry', ' 0)               |  do_nanosleep() {', { type: GRAPH_ENTRY, cpu: 0, dur: null, name: 'do_nanosleep' }],
    ['leaf with duration', ' 0)   0.198 us    |          _raw_spin_lock_irqsave();', { type: GRAPH_LEAF, dur: 198, name: '_raw_spin_lock_irqsave' }],
    ['return with overhead mark', ' 0) ! 162.000 us  |  }', { type: GRAPH_RETURN, dur: 162000, name: '' }],
    ['return with funcgraph-tail', ' 0) ! 12202.93 us |  } /* ext3_readpages */', { type: GRAPH_RETURN, dur: 12202930, name: 'ext3_readpages' }],
    ['return with funcgraph-retval', ' 3)   1.000 us    |  } /* vfs_read = 0x0 */', { type: GRAPH_RETURN, name: 'vfs_read' }],
    ['duration without decimals', ' 0) ! 2000147 us |  } /* sys_nanosleep */', { dur: 2000147000, name: 'sys_nanosleep' }],
    ['abstime + CPU', '7238523.638013 |   0)   0.153 us    |                    rcu_irq_enter();', { time: '7238523.638013000', cpu: 0, dur: 153, type: GRAPH_LEAF }],
    ['abstime + CPU + proc', '2678112.003180 |   0)  cksum-26695   | ! 8145.268 us |  } /* ext3_readpages */', { proc: 'cksum-26695', dur: 8145268000 / 1000, type: GRAPH_RETURN }],
    ['latency flags before the duration', ' 0)  d..1  ! 162.000 us  |  }', { type: GRAPH_RETURN, dur: 162000 }],
    ['latency flags in their own cell', ' 0)  bash-1234    |  d..1  |   0.198 us    |  func();', { type: GRAPH_LEAF, proc: 'bash-1234', dur: 198 }],
    ['no duration column (funcgraph-duration off)', ' 1) do_sys_open() {', { type: GRAPH_ENTRY, cpu: 1, name: 'do_sys_open' }],
    ['no duration column, leaf', ' 1)     getname_flags();', { type: GRAPH_LEAF, dur: null }],
    ['inline event comment', ' 0)               |  /* sched_switch: prev_comm=a prev_state=S|D ==> next_comm=b */', { type: GRAPH_COMMENT, name: 'sched_switch: prev_comm=a prev_state=S|D ==> next_comm=b' }],
    ['irq entry mark', ' 1)  ==========> |', { type: GRAPH_MARK }],
    ['irq exit mark', ' 1)  <========== |', { type: GRAPH_MARK }],
    ['separator rule', ' ------------------------------------------', { type: GRAPH_MARK }],
    ['context switch', ' 0)  platfor-3210  =>  vmstat-2854  ', { type: GRAPH_SWITCH, cpu: 0, proc: 'vmstat-2854' }],
  ])('%s', (_label, line, expected) => {
    expect(graph(line)).toMatchObject(expected);
  });

  it('reads trace-cmd funcgraph_entry/exit payloads', () => {
    expect(graph('   0.908 us   |        }', true)).toMatchObject({ type: GRAPH_RETURN, dur: 908 });
    expect(graph('                   |  do_nanosleep() {', true)).toMatchObject({ type: GRAPH_ENTRY, name: 'do_nanosleep' });
  });

  it.each([
    ['numbered prose', '1) Install the package.'],
    ['prose with a pipe', ' 2) a | b'],
    ['no CPU and no time', '               |  do_nanosleep() {'],
    ['short dash run', ' ----'],
    ['body without parentheses', ' 0)   0.198 us    |  not a call'],
  ])('rejects: %s', (_label, line) => {
    expect(graph(line)).toBeNull();
  });
});

describe('sniffing', () => {
  const head = (s: string) => Buffer.from(s);
  const TRACEFS = '# tracer: nop\n#\n# entries-in-buffer/entries-written: 1/1   #P:2\n            bash-7549    [000] .....   429.232907: sys_exit: NR 1 = 2\n';
  const TRACE_CMD = 'cpus=2\ntl_events:             bash-7549  [000]   429.232907: sys_exit:             NR 1 = 2\n';
  const PIPE = '            bash-7549    [000] .....   429.232907: sys_exit: NR 1 = 2\n          <idle>-0       [001] d.h1.   429.233068: tlb_flush: pages:-1 reason:flush on task switch (0)\n';
  const PERF = 'swapper     0 [000] 12345.678901:          1 cycles:  ffffffff81000000 native_safe_halt ([kernel.kallsyms])\n';

  it('is confident on headers, trace-cmd preambles and record-shaped bodies', () => {
    expect(sniffFtrace(head(TRACEFS))).toBeGreaterThanOrEqual(0.9);
    expect(sniffFtrace(head(TRACE_CMD))).toBeGreaterThanOrEqual(0.9);
    expect(sniffFtrace(head(PIPE))).toBeGreaterThanOrEqual(0.8);
    expect(sniffFtrace(head(' 0)               |  do_nanosleep() {\n 0)   0.198 us    |    ktime_get();\n'))).toBeGreaterThanOrEqual(0.8);
  });

  it('returns 0 for perf script text, and perf-script returns 0 for ftrace text', () => {
    expect(sniffFtrace(head(PERF))).toBe(0);
    expect(perfScriptFormat.sniff(head(PIPE))).toBe(0);
    expect(perfScriptFormat.sniff(head(TRACEFS))).toBe(0);
    expect(perfScriptFormat.sniff(head(TRACE_CMD))).toBe(0);
  });
});
