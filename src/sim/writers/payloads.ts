import { EV } from '../log.js';
import type { SimRun } from '../simulate.js';

/**
 * Tracepoint names and their kernel TP_printk payloads (Linux 4.19, FORMATS.md §2.8), shared
 * by perf script (raw `%p` pointers) and ftrace (hashed `%p`, as tracefs prints them).
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

const TLB_REASONS = ['flush on task switch', 'remote shootdown', 'local shootdown', 'local mm shootdown', 'remote ipi send'];
const SOFTIRQ_NAMES = ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'IRQ_POLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU'];

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/** Pointer rendering: perf prints the raw kernel address, tracefs a per-boot hash of it. */
export type PointerStyle = 'raw' | 'hashed';

export class Payloads {
  private readonly ifindex = new Map<string, number>();

  constructor(
    private readonly run: SimRun,
    private readonly style: PointerStyle,
    /** Queues of the captured guest's eth0 (the qdisc layout: mq children or one root qdisc). */
    private readonly ethQueues: number,
  ) {}

  private ptr(space: number, id: number): string {
    const lo = (0x0a000000 + space * 0x01000000 + Math.imul(id, 0x100)) >>> 0;
    if (this.style === 'raw') return `0xffff8881${hex8(lo)}`;
    return `00000000${hex8(mix32(lo ^ 0x5bd1e995))}`;
  }

  private nil(): string {
    return this.style === 'raw' ? '(nil)' : '0000000000000000';
  }

  private comm(task: number): string {
    return this.run.tasks[task].comm;
  }

  private dev(id: number): string {
    return this.run.names[id];
  }

  private ifIndex(dev: string): number {
    let i = this.ifindex.get(dev);
    if (i === undefined) {
      i = dev === 'eth0' ? 2 : 5 + this.ifindex.size;
      this.ifindex.set(dev, i);
    }
    return i;
  }

  text(kind: number, a: number, b: number, c: number, d: number): string {
    switch (kind) {
      case EV.IRQ_ENTRY:
        return `irq=${a} name=${this.run.names[b]}`;
      case EV.IRQ_EXIT:
        return `irq=${a} ret=handled`;
      case EV.SOFTIRQ_RAISE:
      case EV.SOFTIRQ_ENTRY:
      case EV.SOFTIRQ_EXIT:
        return `vec=${a} [action=${SOFTIRQ_NAMES[a]}]`;
      case EV.SYS_ENTER:
        return `NR ${a} (${b.toString(16)}, 7f3c${hex8(0x2a000000 + c * 16)}, ${c.toString(16)}, 0, 0, 0)`;
      case EV.SYS_EXIT:
        return `NR ${a} = ${b}`;
      case EV.TLB_FLUSH:
        return `pages:${a} reason:${TLB_REASONS[b]} (${b})`;
      case EV.NET_QUEUE:
        return `dev=${this.dev(a)} skbaddr=${this.ptr(0, b)} len=${c}`;
      case EV.QDISC_DEQ: {
        const dev = this.dev(a);
        const parent = this.ethQueues > 1 ? (0x10001 + b).toString(16).toUpperCase() : 'FFFFFFFF';
        return `dequeue ifindex=${this.ifIndex(dev)} qdisc handle=0x0 parent=0x${parent} txq_state=0x${c.toString(16).toUpperCase()} packets=${d >= 0 ? 1 : 0} skbaddr=${d >= 0 ? this.ptr(0, d) : this.nil()}`;
      }
      case EV.START_XMIT: {
        const segs = Math.ceil((d - 66) / 1448);
        return `dev=${this.dev(a)} queue_mapping=${b} skbaddr=${this.ptr(0, c)} vlan_tagged=0 vlan_proto=0x0000 vlan_tci=0x0000 protocol=0x0800 ip_summed=3 len=${d} data_len=${d - 66} network_offset=14 transport_offset_valid=1 transport_offset=34 tx_flags=0 gso_size=1448 gso_segs=${segs} gso_type=0x1`;
      }
      case EV.XMIT:
        return `dev=${this.dev(a)} skbaddr=${this.ptr(0, b)} len=${c} rc=${d}`;
      case EV.CONSUME_SKB:
        return `skbaddr=${this.ptr(0, a)}`;
      case EV.NAPI_POLL:
        return `napi poll on napi struct ${this.ptr(1, a * 64 + b)} for device ${this.dev(a)} work ${c} budget ${d}`;
      case EV.SCHED_SWITCH: {
        const prev = this.run.tasks[a];
        const next = this.run.tasks[c];
        return `prev_comm=${prev.comm} prev_pid=${prev.tid} prev_prio=${prev.prio} prev_state=${b === 1 ? 'S' : 'R+'} ==> next_comm=${next.comm} next_pid=${next.tid} next_prio=${next.prio}`;
      }
      case EV.SCHED_WAKEUP: {
        const t = this.run.tasks[a];
        return `comm=${this.comm(a)} pid=${t.tid} prio=${t.prio} target_cpu=${String(b).padStart(3, '0')}`;
      }
      default:
        throw new Error(`no tracepoint for sim event ${kind}`);
    }
  }
}
