import { describe, expect, it } from 'vitest';
import { TraceBuilder } from '../../src/model/builder.js';
import { Diagnostics } from '../../src/model/diagnostics.js';
import { KIND_CODE } from '../../src/model/schema.js';
import { PayloadDecoders } from '../../src/parsers/payload/decoder.js';
import { PayloadTemplate, newSlotValues } from '../../src/parsers/payload/template.js';

function decode(event: string, payload: string) {
  const b = new TraceBuilder(new Diagnostics(), 'test', 'test');
  const decoders = new PayloadDecoders();
  const d = decoders.for(event);
  const row = b.event(0, 0, -1, d.kind, b.pool.intern(event));
  const ok = d.decode(payload, b, row, decoders.scratch);
  const c = b.events.finish();
  const num = (x: number) => (Number.isNaN(x) ? null : x);
  return { ok, kind: d.kind, a0: num(c.a0[row]), a1: num(c.a1[row]), a2: num(c.a2[row]), a3: num(c.a3[row]), str0: c.str0[row] < 0 ? null : b.pool.get(c.str0[row]), pool: b.pool };
}

describe('payload templates', () => {
  it('matches literals and converts slots; rejects what does not fit', () => {
    const t = new PayloadTemplate('irq={irq:int} name={name:str}');
    const v = newSlotValues();
    expect(t.match('irq=24 name=eth0-q0-rx', v)).toBe(true);
    expect(v.nums[0]).toBe(24);
    expect(v.strs[1]).toBe('eth0-q0-rx');
    expect(t.match('irq=x name=eth0', v)).toBe(false);
    expect(t.match('vec=3 [action=NET_RX]', v)).toBe(false);
  });

  it('backtracks when a string slot holds the next literal (kworker/0:1)', () => {
    const t = new PayloadTemplate('{comm:str}:{pid:int} [{prio:int}]');
    const v = newSlotValues();
    expect(t.match('kworker/0:1:89135 [120]', v)).toBe(true);
    expect(v.strs[0]).toBe('kworker/0:1');
    expect(v.nums[1]).toBe(89135);
  });

  it('rejects malformed templates', () => {
    expect(() => new PayloadTemplate('{a:int}{b:int}')).toThrow(/literal between/);
    expect(() => new PayloadTemplate('{a:float}')).toThrow(/unknown slot type/);
  });
});

describe('tracepoint payload decoding (FORMATS.md §2.8)', () => {
  it('irq and softirq', () => {
    expect(decode('irq:irq_handler_entry', 'irq=36 name=virtio1-req.0')).toMatchObject({ ok: true, kind: KIND_CODE.irq_entry, a0: 36, str0: 'virtio1-req.0' });
    expect(decode('irq:irq_handler_exit', 'irq=36 ret=handled')).toMatchObject({ kind: KIND_CODE.irq_exit, a0: 36, a1: 1 });
    expect(decode('irq:irq_handler_exit', 'irq=36 ret=unhandled')).toMatchObject({ a1: 0 });
    expect(decode('irq:softirq_entry', 'vec=3 [action=NET_RX]')).toMatchObject({ kind: KIND_CODE.softirq_entry, a0: 3, str0: 'NET_RX' });
    expect(decode('irq_vectors:local_timer_entry', 'vector=236')).toMatchObject({ kind: KIND_CODE.irq_vector_entry, a0: 236 });
  });

  it('syscalls, raw and per-name', () => {
    expect(decode('raw_syscalls:sys_enter', 'NR 1 (3, 9fb888, 8, 2d83740, 1, 7ffff)')).toMatchObject({ kind: KIND_CODE.syscall_enter, a0: 1 });
    expect(decode('raw_syscalls:sys_exit', 'NR -1 = -38')).toMatchObject({ kind: KIND_CODE.syscall_exit, a0: -1, a1: -38 });
    expect(decode('syscalls:sys_enter_read', 'fd: 0x00000003, buf: 0x7ffd, count: 0x00000400')).toMatchObject({ kind: KIND_CODE.syscall_enter, str0: 'read' });
    expect(decode('syscalls:sys_exit_read', '0x8')).toMatchObject({ kind: KIND_CODE.syscall_exit, a1: 8, str0: 'read' });
  });

  it('tlb flushes: reason number, not its text', () => {
    expect(decode('tlb:tlb_flush', 'pages:-1 reason:remote shootdown (1)')).toMatchObject({ kind: KIND_CODE.tlb_flush, a0: -1, a1: 1, str0: 'remote shootdown' });
    expect(decode('tlb:tlb_flush', 'pages:1 reason:remote IPI send (4)')).toMatchObject({ a0: 1, a1: 4 });
    expect(decode('xen:xen_mmu_write_cr3', 'kernel cr3 1a2b000')).toMatchObject({ kind: KIND_CODE.tlb_flush, a0: -1, str0: 'kernel' });
  });

  it('locks keep pointers as opaque ids; flags become bits', () => {
    const begin = decode('lock:contention_begin', '00000000610328f2 (flags=SPIN|READ)');
    expect(begin).toMatchObject({ kind: KIND_CODE.lock_wait_begin, a1: 3 });
    expect(begin.pool.get(begin.a0 as number)).toBe('00000000610328f2');
    expect(decode('lock:contention_end', 'ffff8881001b8c40 (ret=0)')).toMatchObject({ kind: KIND_CODE.lock_wait_end, a1: 0 });
  });

  it('network queue events', () => {
    const xmit = decode('net:net_dev_xmit', 'dev=eth0 skbaddr=0xffff98a2c1d63100 len=73 rc=16');
    expect(xmit).toMatchObject({ kind: KIND_CODE.queue_xmit, a1: 73, a2: 16, str0: 'eth0' });
    expect(xmit.pool.get(xmit.a0 as number)).toBe('0xffff98a2c1d63100');
    expect(decode('napi:napi_poll', 'napi poll on napi struct 00000000ab12 for device eth0 work 64 budget 64')).toMatchObject({ kind: KIND_CODE.napi_poll, a0: 64, a1: 64, str0: 'eth0' });
    expect(decode('qdisc:qdisc_dequeue', 'dequeue ifindex=2 qdisc handle=0x10000 parent=0xFFFFFFFF txq_state=0x1 packets=1 skbaddr=000000001a2b')).toMatchObject({ kind: KIND_CODE.queue_dequeue, a1: 1, a2: 1, a3: 2 });
    expect(decode('skb:consume_skb', 'skbaddr=0xffff1 location=tcp_recvmsg+0x1')).toMatchObject({ kind: KIND_CODE.queue_complete, a1: 0 });
  });

  it('sched_switch in kernel and trace-cmd plugin forms', () => {
    const kernel = 'prev_comm=Web Content prev_pid=12 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120';
    expect(decode('sched:sched_switch', kernel)).toMatchObject({ kind: KIND_CODE.sched_switch, a0: 12, a1: 0, a2: 1, str0: 'swapper/1' });
    expect(decode('sched_switch', 'kworker/0:1:89 [120] R+ ==> trace-cmd:89135 [120]')).toMatchObject({ a0: 89, a1: 89135, a2: 0, str0: 'trace-cmd' });
    expect(decode('sched_wakeup', 'migration/1:23 [0] CPU:001')).toMatchObject({ kind: KIND_CODE.sched_wakeup, a0: 23, a1: 1 });
  });

  it('unknown events keep their raw payload; a known event with an unknown layout reports it', () => {
    expect(decode('foo:bar_baz', 'x=1 y=2')).toMatchObject({ ok: true, kind: KIND_CODE.other, str0: 'x=1 y=2' });
    expect(decode('irq:irq_handler_entry', 'something else entirely')).toMatchObject({ ok: false, kind: KIND_CODE.irq_entry, a0: null, str0: 'something else entirely' });
  });
});
