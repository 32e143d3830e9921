import type { VCpu } from './cpu.js';
import type { Domain } from './engine.js';
import { Sim } from './engine.js';
import { Flows } from './flows.js';
import { GrantLock } from './grant.js';
import type { LogParts, Task } from './log.js';
import { BackRx, BackTx } from './netback.js';
import { FrontRx, FrontTx } from './netfront.js';
import { slotsFor } from './packet.js';
import type { Scenario } from './scenario.js';
import { guestOf, validate } from './scenario.js';

export interface QueueStalls {
  domain: number;
  queue: number;
  name: string;
  start: number[];
  end: number[];
}

/** Everything a run leaves: the per-vCPU logs and the model state truth needs. */
export interface SimRun {
  scenario: Scenario;
  seed: number;
  endNs: number;
  cpus: VCpu[];
  domains: Map<number, Domain>;
  tasks: Task[];
  names: readonly string[];
  txQueues: QueueStalls[];
  locks: GrantLock[];
  /** Goodput of all streams after warm-up, in Gb/s. */
  gbps: number;
  /** Distinct sender TX queues the streams hash onto. */
  activeQueues: number;
}

/** What to log, by domain: everything by default; nothing for the throughput sweep. */
export type LogSelection = 'all' | 'none' | ((domain: number) => LogParts);

const ALL: LogParts = { guest: true, xen: true, segments: true };
const NONE: LogParts = { guest: false, xen: false, segments: false };

/**
 * Build the host of scenario `s`, run it for its duration with `seed`, and return the run.
 * The model runs the same whatever is recorded; recording less only saves time and memory.
 */
export function simulate(s: Scenario, seed: number, record: LogSelection = 'all'): SimRun {
  validate(s);
  const parts = record === 'all' ? () => ALL : record === 'none' ? () => NONE : record;
  const sim = new Sim(s, seed, parts);
  const from = guestOf(s, s.flows.from);
  const to = guestOf(s, s.flows.to);
  const fromLock = new GrantLock(from.id);
  const toLock = new GrantLock(to.id);
  const maxSlots = slotsFor(s.flows.skbBytes);

  const fronts: FrontTx[] = [];
  const backs: BackTx[] = [];
  for (let q = 0; q < from.queues; q++) {
    fronts.push(new FrontTx(sim, from.id, q, maxSlots));
    backs.push(new BackTx(sim, from.id, q, 0, to.id, fromLock));
  }
  const rxBacks: BackRx[] = [];
  const rxFronts: FrontRx[] = [];
  for (let q = 0; q < to.queues; q++) {
    rxBacks.push(new BackRx(sim, to.id, q, 1, toLock));
    rxFronts.push(new FrontRx(sim, to.id, q));
  }
  const flows = new Flows(sim, fronts, to.queues);
  for (let q = 0; q < from.queues; q++) {
    fronts[q].back = backs[q];
    fronts[q].hooks = flows;
    backs[q].front = fronts[q];
    backs[q].rx = rxBacks;
    backs[q].rxQueueOf = (flow) => flows.streams[flow].rxQueue;
  }
  for (let q = 0; q < to.queues; q++) {
    rxBacks[q].front = rxFronts[q];
    rxFronts[q].back = rxBacks[q];
    rxFronts[q].hooks = flows;
  }
  flows.start();

  const endNs = s.durationMs * 1e6;
  sim.q.run(endNs);
  for (const f of fronts) f.closeStalls(endNs);
  for (const cpu of sim.cpus) clip(cpu, endNs);

  return {
    scenario: s,
    seed,
    endNs,
    cpus: sim.cpus,
    domains: sim.domains,
    tasks: sim.tasks,
    names: sim.names.list,
    txQueues: fronts.map((f) => ({ domain: f.domain, queue: f.queue, name: f.name, start: f.stallStart, end: f.stallEnd })),
    locks: [fromLock, toLock],
    gbps: (flows.deliveredBytes * 8) / (endNs - s.warmupMs * 1e6),
    activeQueues: new Set(flows.streams.map((x) => x.txQueue)).size,
  };
}

/** Work in progress at the end emitted events past it: a capture stops at the end. */
function clip(cpu: VCpu, end: number): void {
  const e = cpu.log.ev;
  let n = e.n;
  while (n > 0 && e.t[n - 1] > end) n--;
  e.truncate(n);
  const g = cpu.log.seg;
  n = g.n;
  while (n > 0 && g.start[n - 1] >= end) n--;
  g.truncate(n);
  if (g.n > 0 && g.end[g.n - 1] > end) g.end[g.n - 1] = end;
}
