import type { CpuStateReplay } from './cpu-state.js';
import { CPU_STATES, VCPU_STATES, cpuStateSummary } from './cpu-state.js';
import type { DriverStateReplay } from './driver-state.js';
import { driverStateSummary } from './driver-state.js';
import { table } from './summary.js';

/**
 * The `tracelens replay` document's state sections (issue 7) beside the queues: per-CPU and
 * per-vCPU time in each state, qdisc stop intervals, NAPI polls; and their text tables.
 */
export function stateDocument(cpu: CpuStateReplay, driver: DriverStateReplay) {
  return { ...cpuStateSummary(cpu), ...driverStateSummary(driver) };
}

export type StateDocument = ReturnType<typeof stateDocument>;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderStateText(doc: StateDocument): string {
  const out: string[] = [];
  if (doc.cpus.length > 0 && doc.cpus.every((c) => c.unknown_fraction > 0.99)) {
    out.push('\nCPU time by state: unknown — the trace shows interrupts but no context switches (add sched:sched_switch).');
  } else if (doc.cpus.length > 0) {
    const head = ['cpu', ...CPU_STATES];
    out.push('\nCPU time by state:', table(head, doc.cpus.map((c) => [String(c.cpu), ...CPU_STATES.map((s) => pct(c[`${s}_fraction`]))])));
  }
  if (doc.vcpus.length > 0) {
    const head = ['vcpu', ...VCPU_STATES];
    out.push('\nvCPU time by runstate (from its first change):', table(head, doc.vcpus.map((v) => [`d${v.domain}v${v.vcpu}`, ...VCPU_STATES.map((s) => pct(v[`${s}_fraction`]))])));
  }
  if (doc.qdiscs.length > 0) {
    const rows = doc.qdiscs.map((q) => [`${q.ifindex} ${q.parent}`, q.queue ?? '-', String(q.dequeues), String(q.stops), pct(q.stopped_fraction)]);
    out.push('\nqdisc (txq_state stop intervals):', table(['ifindex parent', 'queue', 'dequeues', 'stops', 'stopped'], rows));
  }
  if (doc.napi.length > 0) {
    const rows = doc.napi.map((d) => [d.device, String(d.polls), d.work_per_poll.toFixed(2), String(d.full_polls), String(d.budget)]);
    out.push('\nNAPI polls:', table(['device', 'polls', 'work/poll', 'full budget', 'budget'], rows));
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
