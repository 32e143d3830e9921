import { describe, expect, it } from 'vitest';
import { TraceBuilder } from '../../../src/model/builder.js';
import { Diagnostics } from '../../../src/model/diagnostics.js';
import { checkIntegrity } from '../../../src/model/integrity.js';
import type { TraceModel } from '../../../src/model/trace-model.js';
import { FtraceParser } from '../../../src/parsers/ftrace/parser.js';
import { LineSplitter } from '../../../src/parsers/input/lines.js';

/** Parse ftrace text in memory, in chunks of `chunk` bytes. */
function parse(text: string, chunk = 1 << 20): TraceModel {
  const b = new TraceBuilder(new Diagnostics(false, 't.txt'), 'ftrace', 't.txt');
  const parser = new FtraceParser(b);
  const splitter = new LineSplitter(parser);
  const bytes = Buffer.from(text);
  for (let off = 0; off < bytes.length; off += chunk) splitter.push(bytes.subarray(off, off + chunk));
  splitter.end();
  parser.end();
  const model = b.finish();
  expect(checkIntegrity(model)).toEqual([]);
  return model;
}

const n = (x: number) => (Number.isNaN(x) ? null : x);

function rows(m: TraceModel) {
  const e = m.events;
  return Array.from({ length: m.eventCount }, (_, i) => {
    const t = e.utid[i] >= 0 ? m.threads[e.utid[i]] : undefined;
    return {
      ts: n(e.tsNs[i]),
      cpu: e.cpu[i],
      kind: m.kindName(e.kind[i]),
      name: m.str(e.name[i]),
      a0: n(e.a0[i]),
      a1: n(e.a1[i]),
      a2: n(e.a2[i]),
      str0: e.str0[i] >= 0 ? m.str(e.str0[i]) : null,
      thread: t === undefined ? null : `${t.comm}-${t.tid}`,
      stack: e.stack[i] >= 0 ? m.stackFuncs(e.stack[i]) : null,
    };
  });
}

const diag = (m: TraceModel, code: string) => m.diagnostics.find((d) => d.code === code);

const HEADER5 = `# tracer: nop
#
# entries-in-buffer/entries-written: 9/9   #P:4
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
`;

describe('ftrace parser: records and payloads', () => {
  it('reads the header, decodes payloads with the shared decoder, keeps unknown events raw', () => {
    const m = parse(`${HEADER5}          <idle>-0       [001] d.h1.   429.233068: tlb_flush: pages:-1 reason:flush on task switch (0)
            bash-7549    [000] .....   429.233108: sys_exit: NR 56 = 7563
          <idle>-0       [001] d.h1.   429.233200: irq_handler_entry: irq=36 name=virtio1-req.0
     tl_workload-7566    [001] b....   429.246126: net_dev_xmit: dev=lo skbaddr=00000000cf29397e len=578 rc=0
        postgres-1172    [000] d....   429.250000: myopen: (do_sys_open+0x0/0x220) filename="pg_stat_tmp/pgstat.stat"
`);
    expect(m.meta.cpuCount).toBe(4);
    expect(m.meta.header).toMatchObject({ tracer: 'nop', 'entries-in-buffer': '9', 'entries-written': '9', 'irq-info': '5' });
    expect(m.meta.t0Ns).toBe('429233068000');
    expect(rows(m)).toMatchObject([
      { ts: 0, cpu: 1, kind: 'tlb_flush', name: 'tlb_flush', a0: -1, a1: 0, str0: 'flush on task switch', thread: '<idle>-0' },
      { ts: 40000, cpu: 0, kind: 'syscall_exit', a0: 56, a1: 7563, thread: 'bash-7549' },
      { kind: 'irq_entry', a0: 36, str0: 'virtio1-req.0' },
      { kind: 'queue_xmit', str0: 'lo', a1: 578, a2: 0 },
      { kind: 'other', name: 'myopen', str0: '(do_sys_open+0x0/0x220) filename="pg_stat_tmp/pgstat.stat"' },
    ]);
    // Hashed %p values stay opaque ids: the pointer text in the string pool.
    expect(m.str(m.events.a0[3])).toBe('00000000cf29397e');
    expect(m.diagnostics).toEqual([]);
  });

  it('keeps the TGID as the process id, and comms with spaces/dashes per thread', () => {
    const m = parse(`            bash-1234    (   1230) [000] d..2.  123.000001: sys_exit: NR 1 = 2
     Web Content-1235    (   1230) [001] d..2.  123.000002: sys_exit: NR 1 = 2
 systemd-journal-1662    (-------) [001] d..2.  123.000003: sys_exit: NR 1 = 2
`);
    expect(m.threads.map((t) => [t.comm, t.tid, t.pid])).toEqual([
      ['bash', 1234, 1230],
      ['Web Content', 1235, 1230],
      ['systemd-journal', 1662, -1],
    ]);
  });

  it('function tracer lines: str0 = function, a0 = parent string id; offsets and addresses dropped', () => {
    const m = parse(`# tracer: function
          svscan-1678  [000] .... 6412438.703521: do_nanosleep <-hrtimer_nanosleep
          vmstat-11789 [001] 6412438.703600: do_nanosleep+0x0/0x60 <-hrtimer_nanosleep+0x95/0x130
          vmstat-11789 [001] 6412438.703700: do_nanosleep <ffffffff8104e7a4> <-hrtimer_nanosleep <ffffffff81000001>
           sleep-89142 [001] ...1. 6412438.703800: function:             mutex_unlock <-- __mutex_unlock_slowpath
           sleep-89142 [001] ...1. 6412438.703900: function:                rcu_lockdep_current_cpu_online
`);
    const r = rows(m);
    expect(r.map((x) => [x.kind, x.name, x.str0, x.a0 === null ? null : m.str(x.a0)])).toEqual([
      ['function', 'function', 'do_nanosleep', 'hrtimer_nanosleep'],
      ['function', 'function', 'do_nanosleep', 'hrtimer_nanosleep'],
      ['function', 'function', 'do_nanosleep', 'hrtimer_nanosleep'],
      ['function', 'function', 'mutex_unlock', '__mutex_unlock_slowpath'],
      ['function', 'function', 'rcu_lockdep_current_cpu_online', null],
    ]);
  });

  it('trace_marker writes become markers; a newline inside the text continues on the next line', () => {
    const m = parse(`            bash-7549    [000] .....   429.000001: tracing_mark_write: B|7549|frame: 3
            bash-7549    [000] .....   429.000002: tracing_mark_write: first line
second line
            bash-7549    [000] .....   429.000003: print: ffffffff81234567: hello
`);
    expect(rows(m).map((r) => [r.kind, r.str0])).toEqual([
      ['marker', 'B|7549|frame: 3'],
      ['marker', 'first line\nsecond line'],
      ['marker', 'ffffffff81234567: hello'],
    ]);
    expect(m.diagnostics).toEqual([]);
  });

  it('raw counter clocks: counts stored as ns, meta.clock = counter', () => {
    const m = parse(`            bash-1 [000] .... 123456789012345678: sys_exit: NR 1 = 2
            bash-1 [000] .... 123456789012345999: sys_exit: NR 1 = 3
`);
    expect(m.meta.clock).toBe('counter');
    expect(m.meta.t0Ns).toBe('123456789012345678');
    expect(rows(m).map((r) => r.ts)).toEqual([0, 321]);
  });
});

describe('ftrace parser: stacks', () => {
  it('attaches <stack trace> and <user stack trace> blocks to the preceding event of that CPU and task', () => {
    const m = parse(`            sshd-5121  [000] d... 6897275.911301: mytcp: (tcp_init_cwnd+0x0/0x40)
           other-77    [001] d... 6897275.911302: sys_exit: NR 1 = 2
            sshd-5121  [000] d... 6897275.911309: <stack trace>
 => tcp_write_xmit+0x1a/0x30 <ffffffff81000000>
 => __tcp_push_pending_frames+0x2/0x3 [nf_foo]
 => tcp_push
            sshd-5121  [000] d... 6897275.911310: <user stack trace>
 => <00007f12a4b5c6d7>
 => libc.so.6[+0x1234]
          <idle>-0     [001] d.h1 6897275.911400: irq_handler_entry: irq=1 name=timer
`);
    const r = rows(m);
    expect(r[0].stack).toEqual(['tcp_write_xmit', '__tcp_push_pending_frames', 'tcp_push', '<00007f12a4b5c6d7>', 'libc.so.6[+0x1234]']);
    expect(r[1].stack).toBeNull();
    expect(r[2].stack).toBeNull(); // an idle event without a stack (they get none)
    const modules = Array.from(m.frames.module, (x) => m.str(x));
    expect(modules).toEqual(['[kernel.kallsyms]', 'nf_foo', '[kernel.kallsyms]', '[unknown]', 'libc.so.6']);
    expect(m.eventCount).toBe(3);
  });

  it('trace-cmd kernel_stack events with `=> func (addr)` frames', () => {
    const m = parse(`cpus=2
       trace-cmd-3581  [002]  5765.383530: sched_wakeup:         bash:1 [120] CPU:002
       trace-cmd-3581  [002]  5765.383537: kernel_stack:         <stack trace >
=> try_to_wake_up (ffffffff810b7f3e)
=> wake_up_process (ffffffff810b8012)
`);
    expect(rows(m)).toMatchObject([{ kind: 'sched_wakeup', a0: 1, a1: 2, stack: ['try_to_wake_up', 'wake_up_process'] }]);
  });

  it('keeps a stack with no event before it as its own row, and reports frames outside any block', () => {
    const m = parse(`            sshd-5121  [000] d... 1.000001: <stack trace>
 => tcp_write_xmit
 => tcp_push
 => orphan_after_blank_line
`.replace('tcp_push\n', 'tcp_push\n\n'));
    expect(rows(m)).toMatchObject([{ kind: 'other', name: 'kernel_stack', stack: ['tcp_write_xmit', 'tcp_push'] }]);
    expect(diag(m, 'ftrace/unattached-stack')).toMatchObject({ severity: 'info', count: 1, first: { line: 1 } });
    expect(diag(m, 'ftrace/orphan-frame')).toMatchObject({ severity: 'warning', first: { line: 5, excerpt: ' => orphan_after_blank_line' } });
  });
});

describe('ftrace parser: data loss', () => {
  it('CPU:N [LOST M EVENTS] → a lost row at the next entry of that CPU, and a warning with CPU, count and time range', () => {
    const m = parse(`            bash-7549    [001] .....   429.100000: sys_exit: NR 1 = 2
            bash-7549    [000] .....   429.150000: sys_exit: NR 1 = 2
CPU:1 [LOST 34 EVENTS]
            bash-7549    [000] .....   429.160000: sys_exit: NR 1 = 2
            bash-7549    [001] .....   429.200000: sys_exit: NR 1 = 2
`);
    const lost = rows(m).filter((r) => r.kind === 'lost');
    expect(lost).toEqual([expect.objectContaining({ cpu: 1, a0: 34, ts: 100000000, name: 'lost_events', thread: null })]);
    expect(diag(m, 'ftrace/lost-events')).toMatchObject({
      severity: 'warning',
      count: 1,
      first: { line: 3, excerpt: 'CPU 1 lost 34 events between 429.100000 and 429.200000' },
    });
  });

  it('trace-cmd [N EVENTS DROPPED] / [EVENTS DROPPED], and a loss with no later entry', () => {
    const m = parse(`cpus=2
tl_events:             bash-7549  [000]   429.100000: sys_exit:             NR 1 = 2
CPU:0 [12 EVENTS DROPPED]
tl_events:             bash-7549  [000]   429.300000: sys_exit:             NR 1 = 2
CPU:1 [EVENTS DROPPED]
`);
    const lost = rows(m).filter((r) => r.kind === 'lost');
    expect(lost).toMatchObject([
      { cpu: 0, a0: 12, name: 'events_dropped', ts: 200000000 },
      { cpu: 1, a0: null, ts: null },
    ]);
    const d = diag(m, 'ftrace/lost-events');
    expect(d?.count).toBe(2);
    expect(d?.first.excerpt).toBe('CPU 0 lost 12 events between 429.100000 and 429.300000');
    expect(d?.more[0].excerpt).toBe('CPU 1 lost an unknown number of events with no entry on that CPU');
  });

  it('entries-written above entries-in-buffer is reported as overwritten data', () => {
    const m = parse('# tracer: nop\n# entries-in-buffer/entries-written: 100/150   #P:2\n##### CPU 1 buffer started ####\n');
    expect(diag(m, 'ftrace/overwritten')).toMatchObject({ severity: 'warning', first: { line: 2, excerpt: '50 of 150 entries overwritten (entries-in-buffer 100)' } });
    expect(diag(m, 'ftrace/buffer-started')).toMatchObject({ severity: 'info', first: { line: 3 } });
  });
});

describe('ftrace parser: function_graph', () => {
  it('entries/leaves are function rows; a return fills its entry duration; context switches name the task', () => {
    const m = parse(`# tracer: function_graph
#
# CPU  DURATION                  FUNCTION CALLS
# |     |   |                     |   |   |   |
 ------------------------------------------
 0)  platfor-3210  =>  vmstat-2854
 ------------------------------------------

 0)               |  do_nanosleep() {
 0)   0.198 us    |    _raw_spin_lock_irqsave();
 0)               |    schedule() {
 0)   0.080 us    |      } /* lost_entry */
 0) ! 162.000 us  |    }
 0)   1.500 us    |  }
 1)  ==========> |
 1)               |  /* sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120 */
 1)   0.100 us    |  }
`);
    expect(m.meta.header.tracer).toBe('function_graph');
    expect(rows(m).map((r) => [r.kind, r.str0, r.a1, r.cpu, r.thread])).toEqual([
      ['function', 'do_nanosleep', 1500, 0, 'vmstat-2854'],
      ['function', '_raw_spin_lock_irqsave', 198, 0, 'vmstat-2854'],
      ['function', 'schedule', 162000, 0, 'vmstat-2854'],
      ['function', 'lost_entry', 80, 0, 'vmstat-2854'],
      ['sched_switch', 'b', 2, 1, null],
    ]);
    expect(diag(m, 'ftrace/graph-unmatched-return')).toMatchObject({ severity: 'info', count: 1 });
  });

  it('abstime and proc columns give time and task; funcslower-style returns become calls that began at time − duration', () => {
    const m = parse(`2678112.003180 |   0)  cksum-26695   | ! 8145.268 us |  } /* ext3_readpages */
2678113.000000 |   1)  cksum-26695   |               |  vfs_read() {
`);
    expect(rows(m)).toMatchObject([
      { kind: 'function', str0: 'ext3_readpages', a1: 8145268, thread: 'cksum-26695', ts: 0 },
      { kind: 'function', str0: 'vfs_read', a1: null, cpu: 1, ts: 2678113000000000 - (2678112003180000 - 8145268) },
    ]);
  });

  it('trace-cmd funcgraph_entry / funcgraph_exit events', () => {
    const m = parse(`cpus=1
          <idle>-0     [000]  1234.500000: funcgraph_entry:                   |  rcu_irq_enter() {
          <idle>-0     [000]  1234.500001: funcgraph_entry:        0.123 us   |    rcu_nmi_enter();
          <idle>-0     [000]  1234.500002: funcgraph_exit:         1.000 us   |  }
`);
    expect(rows(m).map((r) => [r.str0, r.a1, r.thread])).toEqual([
      ['rcu_irq_enter', 1000, '<idle>-0'],
      ['rcu_nmi_enter', 123, '<idle>-0'],
    ]);
  });
});

describe('ftrace parser: trace-cmd report', () => {
  it('cpus=N, instance prefixes, padded names, plugin payloads', () => {
    const m = parse(`cpus=8
version = 6
CPU 3 is empty
tl_events:     kworker/0:1H-54    [000]   429.235573: sched_switch:         kworker/0:1H:54 [100] W ==> tl-ev-workload.:7563 [120]
tl_events:           <idle>-0     [001]   429.235600: sched_switch:         swapper/1:0 [120] R ==> bash:7549 [120] Latency: 94.643 usecs
tl_events:           <idle>-0     [005]   429.235700: sched_wakeup:         migration/1:23 [0] CPU:001
tl_events:             bash-7549  [000]   429.235800: tlb_flush:            pages=-1 reason= (4)
tl_events:             bash-7549  [000]   429.235900: tlb_flush:            pages=-1 reason=local mm shootdown (3)
Average wakeup latency: 20082.580 usecs
`);
    expect(m.meta.cpuCount).toBe(8);
    expect(m.meta.header['trace-cmd version']).toBe('6');
    expect(rows(m).map((r) => [r.kind, r.a0, r.a1, r.a2, r.str0, r.thread])).toEqual([
      ['sched_switch', 54, 7563, null, 'tl-ev-workload.', 'kworker/0:1H-54'],
      ['sched_switch', 0, 7549, 0, 'bash', '<idle>-0'],
      ['sched_wakeup', 23, 1, null, 'migration/1', '<idle>-0'],
      ['tlb_flush', -1, 4, null, '', 'bash-7549'],
      ['tlb_flush', -1, 3, null, 'local mm shootdown', 'bash-7549'],
    ]);
    expect(m.diagnostics).toEqual([]);
  });
});

describe('ftrace parser: malformed input is located, never fatal', () => {
  it('reports bad lines with line and excerpt, and counts prose as info', () => {
    const m = parse(`${HEADER5}Tracing "do_nanosleep"... Ctrl-C to end.
            bash-7549    [000] .....   429.23
            bash-7549    [000] .....   429.232909: sys_en
            bash-7549    [000] .....   429.232910: sys_enter: NR 33 (b, 1, 55bc
 3)   0.1 us    |  garbage here
stat_rea-96532    52d.... 45342us : cgroup_rstat_flush
            bash-7549    [000] .....   429.232911: sys_exit: NR 1 = 2
`);
    expect(m.eventCount).toBe(2);
    expect(diag(m, 'ftrace/non-trace-line')).toMatchObject({ severity: 'info', count: 1, first: { line: 13, excerpt: 'Tracing "do_nanosleep"... Ctrl-C to end.' } });
    const bad = diag(m, 'ftrace/bad-line');
    expect(bad?.severity).toBe('warning');
    expect([bad?.first, ...(bad?.more ?? [])].map((l) => l?.line)).toEqual([14, 15, 17]);
    expect(bad?.first.excerpt).toBe('            bash-7549    [000] .....   429.23');
    expect(diag(m, 'ftrace/unrecognised-payload')).toMatchObject({ first: { line: 16, excerpt: 'NR 33 (b, 1, 55bc' } });
    expect(diag(m, 'ftrace/latency-format')).toMatchObject({ first: { line: 18 } });
  });

  it('takes a CPU field beyond any machine (a garbled [cpu]) as a bad line, not a CPU', () => {
    const m = parse(`${HEADER5}            bash-7549    [99999999] .....   429.232909: sys_exit: NR 1 = 2
            bash-7549    [001] .....   429.232911: sys_exit: NR 1 = 2
`);
    expect(m.eventCount).toBe(1);
    expect(m.eventStats.maxCpu).toBe(1);
    expect(Array.from(m.eventStats.cpuCounts)).toEqual([0, 0, 1]);
    expect(diag(m, 'ftrace/bad-line')?.first.excerpt).toContain('[99999999]');
  });

  it('survives arbitrary bytes', () => {
    const junk = Buffer.alloc(5000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) % 256;
    const m = parse(`# tracer: nop\n${junk.toString('latin1')}\n  a-1 [0] 1.0: x: y\n`);
    expect(m.eventCount).toBe(1);
  });
});
