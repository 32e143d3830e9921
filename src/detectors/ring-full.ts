import { replayDriverState } from '../replay/driver-state.js';
import { replayQueues } from '../replay/queues.js';
import type { Detector, DetectorContext, DetectorFinding, DetectorResult } from './contract.js';
import { captureHint, ns, percentile, perSecond, share, severityFor, window } from './util.js';

/**
 * ring-full (DESIGN §5): a TX queue stopped because its ring is full. It reads the replay
 * engine's timelines rather than the events:
 *   - the queue timelines (replay/queues): net_dev_xmit rc=16 (NETDEV_TX_BUSY) starts a stall,
 *     the next accepted skb on that queue ends it; skbs are matched to their TX queue by skbaddr;
 *   - when the trace has no net_dev_xmit, the qdisc's view (replay/driver-state): a dequeue that
 *     finds txq_state bit 0 (DRV_XOFF) set starts one, the next that finds it clear ends it, per
 *     qdisc (its TX queue named from the skbs it dequeued). Beside xmit return codes the qdisc
 *     would report the same stalls again, so it is the fallback, not a second source.
 * A stall still open at the end of the trace ends there.
 */
const HINTS = {
  'perf-script': 'perf record -a -e net:net_dev_start_xmit,net:net_dev_xmit,qdisc:qdisc_dequeue,net:net_dev_queue -- sleep 10',
  ftrace: 'trace-cmd record -e net:net_dev_start_xmit -e net:net_dev_xmit -e qdisc:qdisc_dequeue -e net:net_dev_queue sleep 10',
  xentrace: 'ring state is not in xentrace: trace the guest (trace-cmd record -e net:net_dev_xmit -e qdisc:qdisc_dequeue) beside it',
  xenoprof: 'a profile cannot show ring state: trace the guest with trace-cmd record -e net:net_dev_xmit -e qdisc:qdisc_dequeue',
};

interface Queue {
  name: string;
  stalls: number[];
  starts: number[];
  busyReturns: number;
  /** qdisc source only: dequeues that found the queue stopped (null when the stalls come from xmit return codes). */
  stoppedSeen: number | null;
  packets: number;
}

export const ringFull: Detector = {
  id: 'ring-full',
  summary: 'TX queue stopped / ring full: time stalled, stall count, p99 stall length',
  needs: 'net_dev_xmit return codes or qdisc_dequeue txq_state',
  defaults: { min_stalls: 3, min_fraction: 0.001, warning: 0.05, error: 0.25, max_queues: 16 },
  settingsDoc: {
    min_stalls: 'stalls a queue needs before it is reported',
    min_fraction: 'stalled time fraction below which nothing is reported',
    warning: 'stalled time fraction for a warning',
    error: 'stalled time fraction for an error',
    max_queues: 'most queues reported (worst first)',
  },
  run(ctx: DetectorContext): DetectorResult {
    const { facts } = ctx;
    const k = facts.kindCounts;
    const stateful = (k.queue_xmit ?? 0) + (k.queue_dequeue ?? 0);
    if (stateful === 0) {
      const any = (k.queue_enqueue ?? 0) + (k.queue_start ?? 0) + (k.queue_complete ?? 0);
      return {
        skipped: any > 0 ? 'queue events without ring state (need net_dev_xmit rc or qdisc_dequeue txq_state)' : 'no network queue events in this trace',
        captureHint: captureHint(HINTS, facts.format),
      };
    }
    const queues = replay(ctx).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { findings: judge(ctx, queues) };
  },
};

function replay(ctx: DetectorContext): Queue[] {
  const { model, facts } = ctx;
  if ((facts.kindCounts.queue_xmit ?? 0) > 0) {
    return replayQueues(model, { series: false })
      .queues.filter((q) => q.kind === 'net')
      .map((q) => {
        const starts = Array.from(q.stallStart.view());
        return { name: q.name, starts, stalls: starts.map((t, j) => q.stallEnd.v[j] - t), busyReturns: q.busyReturns, stoppedSeen: null, packets: q.accepted };
      });
  }
  return replayDriverState(model).qdiscs.map((q) => {
    const starts = Array.from(q.stopStart.view());
    const name = q.queue ?? `ifindex ${q.ifindex}${q.parent === 'root' ? '' : ` qdisc ${q.parent}`}`;
    return { name, starts, stalls: starts.map((t, j) => q.stopEnd.v[j] - t), busyReturns: 0, stoppedSeen: q.stoppedDequeues, packets: q.packets };
  });
}

function judge(ctx: DetectorContext, queues: Queue[]): DetectorFinding[] {
  const { facts, settings } = ctx;
  const out: { f: DetectorFinding; stalled: number }[] = [];
  for (const q of queues) {
    const stalled = q.stalls.reduce((a, b) => a + b, 0);
    const fraction = facts.durationNs > 0 ? stalled / facts.durationNs : 0;
    if (q.stalls.length < settings.min_stalls || fraction < settings.min_fraction) continue;
    const p99 = percentile([...q.stalls], 99);
    const longest = q.stalls
      .map((d, j) => ({ start_ns: ns(q.starts[j]), end_ns: ns(q.starts[j] + d), stall_ns: ns(d) }))
      .sort((a, b) => b.stall_ns - a.stall_ns || a.start_ns - b.start_ns)
      .slice(0, 5);
    out.push({
      stalled,
      f: {
        severity: severityFor(fraction, settings.warning, settings.error),
        title: `TX queue ${q.name} stalled ${(fraction * 100).toFixed(1)}% of the time (ring full)`,
        message: `${q.stalls.length} stalls (${perSecond(q.stalls.length, facts.durationNs) ?? '?'}/s), p99 ${(p99 / 1e3).toFixed(1)} µs, longest ${((longest[0]?.stall_ns ?? 0) / 1e3).toFixed(1)} µs; ${q.stoppedSeen === null ? `${q.busyReturns} NETDEV_TX_BUSY returns` : `${q.stoppedSeen} qdisc dequeues found the queue stopped`}, ${q.packets} packets sent.`,
        metrics: {
          queue: q.name,
          stalled_fraction: share(fraction),
          stalls: q.stalls.length,
          p99_stall_ns: ns(p99),
          stalled_ns: ns(stalled),
          busy_returns: q.busyReturns,
          packets: q.packets,
        },
        evidence: { longest_stalls: longest, lost_records: facts.lostRecords },
        recommendation:
          `The TX ring of ${q.name} fills faster than the other side drains it. Give it more room or more drainers: a larger ring (ethtool -G <dev> tx <n>; Xen netfront: multi-page rings, max_ring_page_order), more queues (ethtool -L <dev> combined <n>; xen-netfront max_queues) so flows hash onto several rings, and make sure the backend (netback thread / vhost worker in dom0 or the host) has a CPU to itself — a stalled ring is often a starved backend.`,
        window: window(q.starts[0], q.starts[q.starts.length - 1] + q.stalls[q.stalls.length - 1]),
      },
    });
  }
  return out
    .sort((a, b) => b.stalled - a.stalled)
    .slice(0, Math.max(1, settings.max_queues))
    .map((x) => x.f);
}
