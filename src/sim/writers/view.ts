import type { VCpu } from '../cpu.js';
import { EV } from '../log.js';
import type { SimRun } from '../simulate.js';

/** perf and ftrace run inside one kernel: they see the captured domain's vCPUs, numbered 0..n-1. */
export interface CapturedView {
  domain: number;
  cpus: VCpu[];
  ethQueues: number;
}

export function captured(run: SimRun): CapturedView {
  const domain = run.scenario.capture.domain;
  const d = run.domains.get(domain);
  if (d === undefined) throw new Error(`no domain ${domain}`);
  const g = run.scenario.guests.find((x) => x.id === domain);
  return { domain, cpus: d.vcpus, ethQueues: g?.queues ?? 1 };
}

/** Facts a header repeats: fixed per scenario so that the same seed gives the same bytes. */
export function hostFacts(run: SimRun) {
  const domain = run.scenario.capture.domain;
  const dom0 = domain === 0;
  const d = run.domains.get(domain) as { vcpus: VCpu[] };
  return {
    capturedOn: 'Sat Jul  2 10:21:07 2016',
    hostname: dom0 ? 'xs7-host' : `guest${domain}`,
    osRelease: dom0 ? '4.4.0+10' : '4.19.0-6-amd64',
    cpuDesc: `Intel(R) Xeon(R) CPU E5-2680 v3 @ ${(run.scenario.host.cpuMhz / 1000).toFixed(2)}GHz`,
    memoryKb: dom0 ? 4194304 : 2097152 * Math.max(1, Math.round(d.vcpus.length / 4)),
  };
}

/** The kernel function a tracepoint fires in: the leaf of its perf callchain. */
const LEAF: Record<number, string[]> = {
  [EV.IRQ_ENTRY]: ['k __handle_irq_event_percpu+0x1ac'],
  [EV.IRQ_EXIT]: ['k __handle_irq_event_percpu+0x1d4'],
  [EV.SOFTIRQ_RAISE]: ['k __raise_softirq_irqoff+0x34'],
  [EV.SOFTIRQ_ENTRY]: ['k __do_softirq+0x1e7'],
  [EV.SOFTIRQ_EXIT]: ['k __do_softirq+0x23f'],
  [EV.SYS_ENTER]: ['k syscall_trace_enter+0x1c8'],
  [EV.SYS_EXIT]: ['k syscall_slow_exit_work+0x99'],
  [EV.TLB_FLUSH]: ['k xen_flush_tlb+0x57'],
  [EV.NET_QUEUE]: ['k __dev_queue_xmit+0x3c6'],
  [EV.QDISC_DEQ]: ['k dequeue_skb+0x1a3', 'k __qdisc_run+0xa6'],
  [EV.START_XMIT]: ['k dev_hard_start_xmit+0x91'],
  [EV.XMIT]: ['k dev_hard_start_xmit+0xc9'],
  [EV.CONSUME_SKB]: ['k consume_skb+0x6d'],
  [EV.NAPI_POLL]: ['k net_rx_action+0x1ee'],
  [EV.SCHED_SWITCH]: ['k __schedule+0x2c3', 'k schedule+0x32'],
  [EV.SCHED_WAKEUP]: ['k ttwu_do_wakeup+0x7c', 'k try_to_wake_up+0x1e1'],
};

export function tracepointLeaf(kind: number): string[] {
  return LEAF[kind] ?? [];
}
