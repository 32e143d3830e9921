import { EV } from '../log.js';
import type { SimRun } from '../simulate.js';
import type { FileSink } from './sink.js';
import { enc } from './sink.js';

/**
 * Tracepoint names and their kernel TP_printk payloads (Linux 4.19, FORMATS.md §2.8), shared
 * by perf script (raw `%p` pointers) and ftrace (hashed `%p`, as tracefs prints them). Payloads
 * are encoded straight into the sink from pre-encoded constant pieces.
 */
export interface Tracepoint {
  system: string;
  name: string;
  /** The canonical model kind the parsers decode it to (model/schema.ts KINDS). */
  kind: string;
}

export const TRACEPOINTS: Record<number, Tracepoint> = {
  [EV.IRQ_ENTRY]: { system: 'irq', name: 'irq_handler_entry', kind: 'irq_entry' },
  [EV.IRQ_EXIT]: { system: 'irq', name: 'irq_handler_exit', kind: 'irq_exit' },
  [EV.SOFTIRQ_RAISE]: { system: 'irq', name: 'softirq_raise', kind: 'softirq_raise' },
  [EV.SOFTIRQ_ENTRY]: { system: 'irq', name: 'softirq_entry', kind: 'softirq_entry' },
  [EV.SOFTIRQ_EXIT]: { system: 'irq', name: 'softirq_exit', kind: 'softirq_exit' },
  [EV.SYS_ENTER]: { system: 'raw_syscalls', name: 'sys_enter', kind: 'syscall_enter' },
  [EV.SYS_EXIT]: { system: 'raw_syscalls', name: 'sys_exit', kind: 'syscall_exit' },
  [EV.TLB_FLUSH]: { system: 'tlb', name: 'tlb_flush', kind: 'tlb_flush' },
  [EV.NET_QUEUE]: { system: 'net', name: 'net_dev_queue', kind: 'queue_enqueue' },
  [EV.QDISC_DEQ]: { system: 'qdisc', name: 'qdisc_dequeue', kind: 'queue_dequeue' },
  [EV.START_XMIT]: { system: 'net', name: 'net_dev_start_xmit', kind: 'queue_start' },
  [EV.XMIT]: { system: 'net', name: 'net_dev_xmit', kind: 'queue_xmit' },
  [EV.CONSUME_SKB]: { system: 'skb', name: 'consume_skb', kind: 'queue_complete' },
  [EV.NAPI_POLL]: { system: 'napi', name: 'napi_poll', kind: 'napi_poll' },
  [EV.SCHED_SWITCH]: { system: 'sched', name: 'sched_switch', kind: 'sched_switch' },
  [EV.SCHED_WAKEUP]: { system: 'sched', name: 'sched_wakeup', kind: 'sched_wakeup' },
};

const TLB_REASONS = ['flush on task switch', 'remote shootdown', 'local shootdown', 'local mm shootdown', 'remote ipi send'].map((r) => enc(`reason:${r} (`));
const SOFTIRQS = ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'IRQ_POLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU'].map((n) => enc(` [action=${n}]`));
const C = {
  irq: enc('irq='),
  name: enc(' name='),
  handled: enc(' ret=handled'),
  vec: enc('vec='),
  nr: enc('NR '),
  open: enc(' ('),
  args: enc(', 7f3c'),
  argsTail: enc(', 0, 0, 0)'),
  comma: enc(', '),
  eq: enc(' = '),
  pages: enc('pages:'),
  space: enc(' '),
  close: enc(')'),
  dev: enc('dev='),
  skb: enc(' skbaddr='),
  len: enc(' len='),
  rc: enc(' rc='),
  deq: enc('dequeue ifindex='),
  handle: enc(' qdisc handle=0x0 parent=0x'),
  rootParent: enc('FFFFFFFF'),
  txq: enc(' txq_state=0x'),
  packets: enc(' packets='),
  qmap: enc(' queue_mapping='),
  xmit1: enc(' vlan_tagged=0 vlan_proto=0x0000 vlan_tci=0x0000 protocol=0x0800 ip_summed=3 len='),
  dataLen: enc(' data_len='),
  xmit2: enc(' network_offset=14 transport_offset_valid=1 transport_offset=34 tx_flags=0 gso_size=1448 gso_segs='),
  gsoType: enc(' gso_type=0x1'),
  skbOnly: enc('skbaddr='),
  napi: enc('napi poll on napi struct '),
  forDev: enc(' for device '),
  work: enc(' work '),
  budget: enc(' budget '),
  prevComm: enc('prev_comm='),
  prevPid: enc(' prev_pid='),
  prevPrio: enc(' prev_prio='),
  prevState: [enc(' prev_state=R ==> next_comm='), enc(' prev_state=S ==> next_comm='), enc(' prev_state=R+ ==> next_comm=')],
  nextPid: enc(' next_pid='),
  nextPrio: enc(' next_prio='),
  comm: enc('comm='),
  pid: enc(' pid='),
  prio: enc(' prio='),
  target: enc(' target_cpu='),
  rawPtr: enc('0xffff8881'),
  hashPtr: enc('00000000'),
  nilRaw: enc('(nil)'),
  nilHashed: enc('0000000000000000'),
};

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Pointer rendering: perf prints the raw kernel address, tracefs a per-boot hash of it. */
export type PointerStyle = 'raw' | 'hashed';

export class Payloads {
  private readonly names: Buffer[];
  private readonly comms: Buffer[];

  constructor(
    private readonly run: SimRun,
    private readonly style: PointerStyle,
    /** Queues of the captured guest's eth0 (the qdisc layout: mq children or one root qdisc). */
    private readonly ethQueues: number,
  ) {
    this.names = run.names.map(enc);
    this.comms = run.tasks.map((t) => enc(t.comm));
  }

  private ptr(o: FileSink, space: number, id: number): void {
    const lo = (0x0a000000 + space * 0x01000000 + Math.imul(id, 0x100)) >>> 0;
    if (this.style === 'raw') {
      o.put(C.rawPtr);
      o.hex(lo, 8);
    } else {
      o.put(C.hashPtr);
      o.hex(mix32(lo ^ 0x5bd1e995), 8);
    }
  }

  write(o: FileSink, kind: number, a: number, b: number, c: number, d: number): void {
    switch (kind) {
      case EV.IRQ_ENTRY:
        o.put(C.irq), o.dec(a), o.put(C.name), o.put(this.names[b]);
        return;
      case EV.IRQ_EXIT:
        o.put(C.irq), o.dec(a), o.put(C.handled);
        return;
      case EV.SOFTIRQ_RAISE:
      case EV.SOFTIRQ_ENTRY:
      case EV.SOFTIRQ_EXIT:
        o.put(C.vec), o.dec(a), o.put(SOFTIRQS[a]);
        return;
      case EV.SYS_ENTER:
        o.put(C.nr), o.dec(a), o.put(C.open), o.hex(b), o.put(C.args), o.hex(0x2a000000 + c * 16, 8), o.put(C.comma), o.hex(c), o.put(C.argsTail);
        return;
      case EV.SYS_EXIT:
        o.put(C.nr), o.dec(a), o.put(C.eq), o.int(b);
        return;
      case EV.TLB_FLUSH:
        o.put(C.pages), o.int(a), o.put(C.space), o.put(TLB_REASONS[b]), o.dec(b), o.put(C.close);
        return;
      case EV.NET_QUEUE:
        o.put(C.dev), o.put(this.names[a]), o.put(C.skb), this.ptr(o, 0, b), o.put(C.len), o.dec(c);
        return;
      case EV.QDISC_DEQ:
        o.put(C.deq), o.dec(2), o.put(C.handle); // only the guest's eth0 (ifindex 2) has a qdisc here
        if (this.ethQueues > 1) o.ascii((0x10001 + b).toString(16).toUpperCase());
        else o.put(C.rootParent);
        o.put(C.txq), o.ascii(c.toString(16).toUpperCase()), o.put(C.packets), o.dec(d >= 0 ? 1 : 0), o.put(C.skb);
        if (d >= 0) this.ptr(o, 0, d);
        else o.put(this.style === 'raw' ? C.nilRaw : C.nilHashed);
        return;
      case EV.START_XMIT:
        o.put(C.dev), o.put(this.names[a]), o.put(C.qmap), o.dec(b), o.put(C.skb), this.ptr(o, 0, c), o.put(C.xmit1), o.dec(d);
        o.put(C.dataLen), o.dec(d - 66), o.put(C.xmit2), o.dec(Math.ceil((d - 66) / 1448)), o.put(C.gsoType);
        return;
      case EV.XMIT:
        o.put(C.dev), o.put(this.names[a]), o.put(C.skb), this.ptr(o, 0, b), o.put(C.len), o.dec(c), o.put(C.rc), o.dec(d);
        return;
      case EV.CONSUME_SKB:
        o.put(C.skbOnly), this.ptr(o, 0, a);
        return;
      case EV.NAPI_POLL:
        o.put(C.napi), this.ptr(o, 1, a * 64 + b), o.put(C.forDev), o.put(this.names[a]), o.put(C.work), o.dec(c), o.put(C.budget), o.dec(d);
        return;
      case EV.SCHED_SWITCH: {
        const prev = this.run.tasks[a];
        const next = this.run.tasks[c];
        o.put(C.prevComm), o.put(this.comms[a]), o.put(C.prevPid), o.dec(prev.tid), o.put(C.prevPrio), o.dec(prev.prio);
        o.put(C.prevState[b === 1 ? 1 : prev.tid === 0 ? 0 : 2]), o.put(this.comms[c]), o.put(C.nextPid), o.dec(next.tid), o.put(C.nextPrio), o.dec(next.prio);
        return;
      }
      case EV.SCHED_WAKEUP: {
        const t = this.run.tasks[a];
        o.put(C.comm), o.put(this.comms[a]), o.put(C.pid), o.dec(t.tid), o.put(C.prio), o.dec(t.prio), o.put(C.target), o.dec(b, 3, 48);
        return;
      }
      default:
        throw new Error(`no tracepoint for sim event ${kind}`);
    }
  }
}
