import { describe, expect, it } from 'vitest';
import { deviceOf } from '../../src/detectors/irq-pinned.js';
import { DETECTORS } from '../../src/detectors/registry.js';
import { PerfText, found, run } from './synth.js';

/** Each detector's paths on small synthetic perf-script traces read through the real parser. */

describe('registry', () => {
  it('has the five detectors of DESIGN §5, each with documented settings', () => {
    expect(DETECTORS.map((d) => d.id)).toEqual(['gnttab-lock', 'tlb-per-syscall', 'irq-pinned', 'ring-full', 'hot-lock']);
    for (const d of DETECTORS) expect(Object.keys(d.settingsDoc).sort()).toEqual(Object.keys(d.defaults).sort());
  });

  it('skips with a capture hint when the signal is absent', async () => {
    const m = await new PerfText().event('a', 1, 0, 10, 'sched:sched_wakeup', 'comm=b pid=2 prio=120 target_cpu=000').model();
    for (const d of DETECTORS) {
      const r = run(d.id, m);
      expect('skipped' in r, d.id).toBe(true);
      if ('skipped' in r) expect(r.captureHint.length, d.id).toBeGreaterThan(10);
    }
    const r = run('tlb-per-syscall', m);
    expect('skipped' in r && r.captureHint).toMatch(/perf record .*raw_syscalls:sys_enter.*tlb:tlb_flush.*--exclude-perf/);
  });
});

/** IRQs `name` (irq number `irq`) on `cpu`, n times, 100 µs apart, with exits 5 µs later. */
function irqs(t: PerfText, irq: number, name: string, cpu: number, n: number, start = 0): PerfText {
  for (let i = 0; i < n; i++) {
    t.event('swapper', 0, cpu, start + i * 100, 'irq:irq_handler_entry', `irq=${irq} name=${name}`);
    t.event('swapper', 0, cpu, start + i * 100 + 5, 'irq:irq_handler_exit', `irq=${irq} ret=handled`);
  }
  return t;
}

describe('irq-pinned', () => {
  it('all queue IRQs of one device on CPU 0: one warning naming the device, pinned to CPU 0', async () => {
    const t = new PerfText();
    for (let q = 0; q < 4; q++) irqs(t, 40 + q, `eth0-q${q}-rx`, 0, 100, q);
    irqs(t, 50, 'timer1', 1, 100); // per-CPU IRQs are never "pinned"
    const [f, ...rest] = found('irq-pinned', await t.model());
    expect(rest).toEqual([]);
    expect(f.severity).toBe('warning');
    expect(f.metrics).toMatchObject({ irq: 'eth0', cpu: 0, share: 1, events: 400 });
    expect(f.metrics.rate_per_s as number).toBeCloseTo(400 / 9.908e-3, 0);
    expect(f.title).toMatch(/pinned to CPU 0/);
    expect((f.evidence.members as unknown[]).length).toBe(4);
  });

  it('queues spread one per CPU: the healthy multi-queue layout, no finding for the device or its vectors', async () => {
    const t = new PerfText();
    irqs(t, 40, 'eth0-q0-rx', 0, 200);
    irqs(t, 41, 'eth0-q1-rx', 1, 200);
    irqs(t, 42, 'eth0-q0-tx', 0, 200);
    irqs(t, 43, 'eth0-q1-tx', 1, 200);
    expect(found('irq-pinned', await t.model())).toEqual([]);
  });

  it('device names: the prefix before a queue suffix', () => {
    expect(['vif1.0-q3-tx', 'eth0-q0-rx', 'virtio1-req.0', 'virtio0-input.0', 'eth0-TxRx-3', 'vif1.0-tx', 'i8042', 'xen-pirq-ioapic'].map(deviceOf)).toEqual([
      'vif1.0', 'eth0', 'virtio1', 'virtio0', 'eth0', 'vif1.0', 'i8042', 'xen-pirq-ioapic',
    ]);
  });

  it('thresholds are overridable', async () => {
    const t = irqs(new PerfText(), 36, 'virtio1-req.0', 1, 30);
    irqs(t, 36, 'virtio1-req.0', 0, 5, 7);
    expect(found('irq-pinned', await t.model())).toEqual([]); // 30/35 = 0.857 < 0.9
    expect(found('irq-pinned', await t.model(), { share_min: 0.8 })[0].metrics).toMatchObject({ cpu: 1, share: 0.8571 });
  });

  it('profile fallback: event-channel upcall samples concentrated on one CPU', async () => {
    const t = new PerfText();
    for (let i = 0; i < 80; i++) t.sample('a', 1, 0, i * 10, ['evtchn_fifo_handle_events', '__xen_evtchn_do_upcall', 'xen_evtchn_do_upcall']);
    for (let i = 0; i < 80; i++) t.sample('b', 2, 1, i * 10, ['memcpy', 'do_work']);
    const [f] = found('irq-pinned', await t.model());
    expect(f.metrics).toMatchObject({ irq: 'event-channel upcall', cpu: 0, share: 1, rate_per_s: null });
    expect(f.title).toMatch(/vCPU0/);
  });
});

/** One task doing `n` syscalls `nr` on CPU 0, each with `flushes` local flushes inside. */
function syscalls(t: PerfText, comm: string, tid: number, nr: number, n: number, flushes: number, start = 0): PerfText {
  for (let i = 0; i < n; i++) {
    const at = start + i * 20;
    t.event(comm, tid, 0, at, 'raw_syscalls:sys_enter', `NR ${nr} (0, 0, 0, 0, 0, 0)`);
    for (let k = 0; k < flushes; k++) t.event(comm, tid, 0, at + 1 + k, 'tlb:tlb_flush', 'pages:-1 reason:local MM shootdown (3)');
    t.event(comm, tid, 0, at + 10, 'raw_syscalls:sys_exit', `NR ${nr} = 0`);
  }
  return t;
}

describe('tlb-per-syscall', () => {
  it('a flush in every syscall (read, write, getpid): the 64-bit PV pattern', async () => {
    const t = new PerfText();
    syscalls(t, 'pvguest', 7, 0, 100, 1);
    syscalls(t, 'pvguest', 7, 1, 100, 1, 5000);
    syscalls(t, 'pvguest', 7, 39, 50, 1, 10000);
    t.event('x', 9, 1, 12000, 'sched:sched_switch', 'prev_comm=x prev_pid=9 prev_prio=120 prev_state=S ==> next_comm=y next_pid=8 next_prio=120');
    const m = await t.model();
    const [f] = found('tlb-per-syscall', m);
    expect(f.severity).toBe('error'); // 250 flushes in 10 ms = 25000/s ≥ error_rate_per_s
    expect(found('tlb-per-syscall', m, { error_rate_per_s: 1e9 })[0].severity).toBe('warning');
    expect(f.metrics).toMatchObject({ task: 'pvguest (tid 7)', flushes_per_syscall: 1, syscalls: 250, flushes: 250, pattern: 'per-syscall' });
    expect((f.evidence.per_syscall as { syscall: string }[]).map((r) => r.syscall)).toEqual(['read', 'write', 'getpid']);
  });

  it('flushes only in munmap: ordinary shootdowns, info; the local+IPI-send pair counts once', async () => {
    const t = new PerfText();
    for (let i = 0; i < 60; i++) {
      const at = i * 30;
      t.event('app', 5, 0, at, 'raw_syscalls:sys_enter', 'NR 11 (0, 0, 0, 0, 0, 0)');
      t.event('app', 5, 0, at + 1, 'tlb:tlb_flush', 'pages:16 reason:remote IPI send (4)');
      t.event('app', 5, 0, at + 2, 'tlb:tlb_flush', 'pages:16 reason:local MM shootdown (3)');
      t.event('spin', 6, 1, at + 3, 'tlb:tlb_flush', 'pages:16 reason:remote shootdown (1)');
      t.event('app', 5, 0, at + 4, 'raw_syscalls:sys_exit', 'NR 11 = 0');
      t.event('app', 5, 0, at + 5, 'raw_syscalls:sys_enter', 'NR 0 (0, 0, 0, 0, 0, 0)');
      t.event('app', 5, 0, at + 6, 'raw_syscalls:sys_exit', 'NR 0 = 0');
    }
    const [f, ...rest] = found('tlb-per-syscall', await t.model());
    expect(rest).toEqual([]); // the bystander receiving shootdowns is not blamed
    expect(f.severity).toBe('info');
    expect(f.metrics).toMatchObject({ task: 'app (tid 5)', syscalls: 120, flushes: 60, flushes_per_syscall: 0.5, pattern: 'mm-shootdown' });
    expect((f.evidence.per_syscall as object[])[0]).toMatchObject({ syscall: 'munmap', calls: 60, flushes: 60, flushes_per_call: 1 });
  });

  it('task-switch flushes right after sched_switch are not syscall flushes', async () => {
    const t = new PerfText();
    for (let i = 0; i < 80; i++) {
      const at = i * 30;
      t.event('srv', 4, 0, at, 'raw_syscalls:sys_enter', 'NR 0 (0, 0, 0, 0, 0, 0)');
      t.event('srv', 4, 0, at + 1, 'sched:sched_switch', 'prev_comm=srv prev_pid=4 prev_prio=120 prev_state=S ==> next_comm=b next_pid=3 next_prio=120');
      t.event('srv', 4, 0, at + 2, 'tlb:tlb_flush', 'pages:-1 reason:flush on task switch (0)');
      t.event('srv', 4, 0, at + 9, 'raw_syscalls:sys_exit', 'NR 0 = 0');
    }
    const m = await t.model();
    expect(found('tlb-per-syscall', m)).toEqual([]);
    expect(found('tlb-per-syscall', m, { count_task_switch: 1 })[0].metrics.pattern).toBe('per-syscall');
  });
});

describe('ring-full', () => {
  it('NETDEV_TX_BUSY stalls: fraction, count and p99 from rc=16 → next rc=0', async () => {
    const t = new PerfText();
    for (let i = 0; i < 10; i++) {
      const at = i * 1000;
      t.event('app', 3, 0, at, 'net:net_dev_start_xmit', `dev=eth0 queue_mapping=1 skbaddr=0xa${i} vlan_tagged=0 len=100 rest=0`);
      t.event('app', 3, 0, at + 1, 'net:net_dev_xmit', `dev=eth0 skbaddr=0xa${i} len=100 rc=16`);
      // The kernel traces net_dev_start_xmit right before every net_dev_xmit: it names the queue.
      t.event('app', 3, 0, at + 100, 'net:net_dev_start_xmit', `dev=eth0 queue_mapping=1 skbaddr=0xb${i} vlan_tagged=0 len=100 rest=0`);
      t.event('app', 3, 0, at + 101, 'net:net_dev_xmit', `dev=eth0 skbaddr=0xb${i} len=100 rc=0`);
    }
    t.event('app', 3, 0, 9999, 'net:net_dev_start_xmit', 'dev=eth0 queue_mapping=1 skbaddr=0xc vlan_tagged=0 len=100 rest=0');
    t.event('app', 3, 0, 10000, 'net:net_dev_xmit', 'dev=eth0 skbaddr=0xc len=100 rc=0');
    const [f] = found('ring-full', await t.model());
    expect(f.metrics).toMatchObject({ queue: 'eth0-q1', stalls: 10, stalled_fraction: 0.1, p99_stall_ns: 100000 });
    expect(f.severity).toBe('warning');
  });

  it('qdisc txq_state bit 0 marks the queue stopped until a dequeue sees it running', async () => {
    const t = new PerfText();
    for (let i = 0; i < 5; i++) {
      t.event('app', 3, 0, i * 1000, 'qdisc:qdisc_dequeue', 'dequeue ifindex=2 qdisc handle=0x10000 parent=0xFFFFFFFF txq_state=0x1 packets=0 skbaddr=(nil)');
      t.event('app', 3, 0, i * 1000 + 500, 'qdisc:qdisc_dequeue', 'dequeue ifindex=2 qdisc handle=0x10000 parent=0xFFFFFFFF txq_state=0x0 packets=1 skbaddr=0xff');
    }
    const [f] = found('ring-full', await t.model());
    expect(f.metrics).toMatchObject({ queue: 'ifindex 2', stalls: 5, p99_stall_ns: 500000 });
    expect(f.metrics.stalled_fraction).toBeCloseTo(2500 / 4500, 3);
    expect(f.severity).toBe('error');
  });

  it('a loopback trace with no stalls: no finding', async () => {
    const t = new PerfText();
    for (let i = 0; i < 50; i++) t.event('a', 1, 0, i * 10, 'net:net_dev_xmit', `dev=lo skbaddr=0x${i} len=66 rc=0`);
    expect(found('ring-full', await t.model())).toEqual([]);
  });
});

describe('gnttab-lock', () => {
  it('spin frames under grant-table frames: spin_share and gnttab_share of all samples', async () => {
    const t = new PerfText();
    for (let i = 0; i < 30; i++) t.sample('netback', 9, i % 2, i * 10, ['native_queued_spin_lock_slowpath', '_raw_spin_lock', 'gnttab_copy', 'do_grant_table_op']);
    for (let i = 0; i < 20; i++) t.sample('netback', 9, 0, i * 10 + 1, ['memcpy', 'gnttab_copy', 'do_grant_table_op']);
    for (let i = 0; i < 50; i++) t.sample('netback', 9, 1, i * 10 + 2, ['_raw_spin_lock', 'xenvif_tx_action']); // a spin outside grant code
    const [f] = found('gnttab-lock', await t.model());
    expect(f.metrics).toMatchObject({ spin_share: 0.3, gnttab_share: 0.5, source: 'callchains' });
    expect(f.severity).toBe('error');
    expect((f.evidence.top_stacks as { stack: string }[])[0].stack).toMatch(/^native_queued_spin_lock_slowpath ← _raw_spin_lock ← gnttab_copy/);
  });

  it('grant work without spinning: no finding; no grant frames at all: skipped', async () => {
    const t = new PerfText();
    for (let i = 0; i < 100; i++) t.sample('netback', 9, 0, i * 10, ['memcpy', 'gnttab_copy']);
    expect(found('gnttab-lock', await t.model())).toEqual([]);
    const u = new PerfText();
    for (let i = 0; i < 100; i++) u.sample('a', 1, 0, i * 10, ['memcpy']);
    expect(run('gnttab-lock', await u.model())).toMatchObject({ skipped: expect.stringMatching(/no grant-table frames/) });
  });
});

describe('hot-lock', () => {
  it('profile path: slow-path samples grouped by the caller; grant-table spins left to gnttab-lock', async () => {
    const t = new PerfText();
    for (let i = 0; i < 60; i++) t.sample('w', 2, i % 2, i * 10, ['native_queued_spin_lock_slowpath', '_raw_spin_lock', 'posix_lock_inode', 'fcntl_setlk']);
    for (let i = 0; i < 60; i++) t.sample('w', 2, 0, i * 10 + 1, ['native_queued_spin_lock_slowpath', '_raw_spin_lock', 'gnttab_copy']);
    for (let i = 0; i < 80; i++) t.sample('w', 2, 1, i * 10 + 2, ['memcpy']);
    const [f, ...rest] = found('hot-lock', await t.model());
    expect(rest).toEqual([]);
    expect(f.metrics).toMatchObject({ lock: 'file_lock_context.flc_lock (POSIX/flock locks)', share: 1, spin_share_of_samples: 0.3 });
  });

  it('event path: contention pairs per thread, share of all wait', async () => {
    const t = new PerfText();
    for (let i = 0; i < 60; i++) {
      t.event('a', 10 + (i % 4), i % 2, i * 100, 'lock:contention_begin', '0xffff0001 (flags=SPIN)');
      t.event('a', 10 + (i % 4), i % 2, i * 100 + 50, 'lock:contention_end', '0xffff0001 (ret=0)');
      t.event('a', 10, 0, i * 100 + 60, 'lock:contention_begin', '0xffff0002 (flags=WRITE)');
      t.event('a', 10, 0, i * 100 + 62, 'lock:contention_end', '0xffff0002 (ret=0)');
    }
    const [f] = found('hot-lock', await t.model());
    expect(f.metrics).toMatchObject({ lock: 'spinlock 0xffff0001', lock_type: 'spinlock', events: 60, waiters: 4, wait_ns_total: 3_000_000, share: 0.9615 });
  });
});
