import type { Detector, DetectorContext, DetectorFinding, DetectorResult } from './contract.js';
import { kindCode } from './trace-facts.js';
import { captureHint, ns, percentile, perSecond, share, severityFor, window } from './util.js';

/**
 * ring-full (DESIGN §5): a TX queue stopped because its ring is full. Until the replay
 * engine lands, stall intervals come straight from the events, one ordered pass:
 *   - net_dev_xmit rc=16 (NETDEV_TX_BUSY) starts a stall, the next rc=0 on that queue ends it;
 *   - qdisc_dequeue txq_state bit 0 (DRV_XOFF) starts one, a dequeue with the bit clear ends it;
 *   - queue_stop / queue_wake kinds, when a parser provides them, bound it exactly.
 * A stall still open at the end of the trace ends there. Queues are `dev-qN` when
 * net_dev_start_xmit gave the queue (same CPU and skb), `dev` otherwise, `ifindex N` for qdisc.
 * qdisc records are used only when the trace has no net_dev_xmit: they name the device by
 * ifindex, not the TX queue, so beside xmit return codes they would report the same stalls
 * again under another name, merged across the device's queues (one queue's stop, another's wake).
 */
const HINTS = {
  'perf-script': 'perf record -a -e net:net_dev_start_xmit,net:net_dev_xmit,qdisc:qdisc_dequeue,net:net_dev_queue -- sleep 10',
  ftrace: 'trace-cmd record -e net:net_dev_start_xmit -e net:net_dev_xmit -e qdisc:qdisc_dequeue -e net:net_dev_queue sleep 10',
  xentrace: 'ring state is not in xentrace: trace the guest (trace-cmd record -e net:net_dev_xmit -e qdisc:qdisc_dequeue) beside it',
  xenoprof: 'a profile cannot show ring state: trace the guest with trace-cmd record -e net:net_dev_xmit -e qdisc:qdisc_dequeue',
};

const NETDEV_TX_BUSY = 16;

interface Queue {
  name: string;
  stoppedAt: number;
  stalls: number[];
  starts: number[];
  busyReturns: number;
  stoppedSeen: number;
  packets: number;
}

export const ringFull: Detector = {
  id: 'ring-full',
  summary: 'TX queue stopped / ring full: time stalled, stall count, p99 stall length',
  needs: 'net_dev_xmit return codes, qdisc_dequeue txq_state, or queue stop/wake events',
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
    const stateful = (k.queue_xmit ?? 0) + (k.queue_dequeue ?? 0) + (k.queue_stop ?? 0) + (k.queue_wake ?? 0);
    if (stateful === 0) {
      const any = (k.queue_enqueue ?? 0) + (k.queue_start ?? 0) + (k.queue_complete ?? 0);
      return {
        skipped: any > 0 ? 'queue events without ring state (need net_dev_xmit rc, qdisc_dequeue txq_state or stop/wake)' : 'no network queue events in this trace',
        captureHint: captureHint(HINTS, facts.format),
      };
    }
    return { findings: judge(ctx, replay(ctx)) };
  },
};

function replay(ctx: DetectorContext): Queue[] {
  const { model, facts } = ctx;
  const e = model.events;
  const START = kindCode('queue_start');
  const XMIT = kindCode('queue_xmit');
  const DEQ = kindCode('queue_dequeue');
  const STOP = kindCode('queue_stop'); // -1 until a parser provides it
  const WAKE = kindCode('queue_wake');
  const queues = new Map<number, Queue>();
  const haveXmit = (facts.kindCounts.queue_xmit ?? 0) > 0;
  const lastStartSkb: number[] = []; // per CPU: skb and queue of the last net_dev_start_xmit
  const lastStartQueue: number[] = [];
  const lastStartDev: number[] = [];
  const queueOf = (key: number, name: () => string): Queue => {
    let q = queues.get(key);
    if (q === undefined) queues.set(key, (q = { name: name(), stoppedAt: NaN, stalls: [], starts: [], busyReturns: 0, stoppedSeen: 0, packets: 0 }));
    return q;
  };
  const stop = (q: Queue, t: number) => {
    q.stoppedSeen++;
    if (q.stoppedAt !== q.stoppedAt) q.stoppedAt = t;
  };
  const wake = (q: Queue, t: number) => {
    if (q.stoppedAt === q.stoppedAt) {
      q.stalls.push(t - q.stoppedAt);
      q.starts.push(q.stoppedAt);
      q.stoppedAt = NaN;
    }
  };
  const devQueue = (i: number, idx: number) => {
    const dev = e.str0[i];
    const key = (dev + 1) * 65536 + (idx >= 0 ? idx + 1 : 0);
    return queueOf(key, () => `${model.str(dev) || 'dev?'}${idx >= 0 ? `-q${idx}` : ''}`);
  };
  for (let i = 0; i < e.kind.length; i++) {
    const k = e.kind[i];
    if (k === START) {
      const cpu = e.cpu[i];
      if (cpu >= 0) {
        lastStartSkb[cpu] = e.a0[i];
        lastStartQueue[cpu] = Number.isFinite(e.a3[i]) ? e.a3[i] : -1;
        lastStartDev[cpu] = e.str0[i];
      }
    } else if (k === XMIT) {
      const cpu = e.cpu[i];
      // The queue comes from the net_dev_start_xmit just before (same skb); an xmit without one
      // (a requeued skb, a trace without start_xmit) keeps the device's last queue on this CPU.
      const idx = cpu >= 0 && (lastStartSkb[cpu] === e.a0[i] || lastStartDev[cpu] === e.str0[i]) ? lastStartQueue[cpu] : -1;
      const q = devQueue(i, idx);
      if (e.a2[i] === NETDEV_TX_BUSY) {
        q.busyReturns++;
        stop(q, e.tsNs[i]);
      } else {
        q.packets++;
        wake(q, e.tsNs[i]);
      }
    } else if (k === DEQ && !haveXmit) {
      const ifindex = e.a3[i];
      const q = queueOf(-1 - (Number.isFinite(ifindex) ? ifindex : 0), () => `ifindex ${Number.isFinite(ifindex) ? ifindex : '?'}`);
      if ((e.a1[i] & 1) === 1) stop(q, e.tsNs[i]);
      else {
        if (e.a2[i] > 0) q.packets += e.a2[i];
        wake(q, e.tsNs[i]);
      }
    } else if (k === STOP && STOP >= 0) {
      stop(devQueue(i, Number.isFinite(e.a3[i]) ? e.a3[i] : -1), e.tsNs[i]);
    } else if (k === WAKE && WAKE >= 0) {
      wake(devQueue(i, Number.isFinite(e.a3[i]) ? e.a3[i] : -1), e.tsNs[i]);
    }
  }
  for (const q of queues.values()) wake(q, facts.endNs);
  return [...queues.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
        message: `${q.stalls.length} stalls (${perSecond(q.stalls.length, facts.durationNs) ?? '?'}/s), p99 ${(p99 / 1e3).toFixed(1)} µs, longest ${((longest[0]?.stall_ns ?? 0) / 1e3).toFixed(1)} µs; ${q.busyReturns} NETDEV_TX_BUSY returns, ${q.stoppedSeen} stopped-queue observations, ${q.packets} packets sent.`,
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
