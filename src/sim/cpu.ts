import type { Actor } from './event-queue.js';
import type { CpuLog } from './log.js';
import { EV } from './log.js';
import type { DomKind } from './stacks.js';

/** Interrupt handlers run before softirqs, softirqs before tasks (non-preemptive, by priority). */
export const PRIO = { irq: 0, softirq: 1, task: 2 } as const;

/**
 * A unit of work on one vCPU. `start` emits the trace events and busy segments of the work,
 * all at times in [t, end], and returns `end`; `finish` runs at `end` and applies the work's
 * effects on other parts of the model (ring pushes, notifications, wake-ups).
 */
export interface Item {
  prio: number;
  /** Task id for task items; -1 for interrupt-context work (it runs on whatever is current). */
  task: number;
  start(cpu: VCpu, t: number): number;
  finish(cpu: VCpu, t: number): void;
}

/** The NET_RX softirq vector, as `irq:softirq_*` print it (`vec=3`). */
export const NET_RX = 3;
/** NAPI's per-poll budget (packets), as `napi:napi_poll` prints it. */
export const NAPI_BUDGET = 64;
/** Linux's dynamic Xen event-channel vector in HVM guests (HYPERVISOR_CALLBACK_VECTOR). */
export const CALLBACK_VECTOR = 0xf3;

/**
 * The hard-IRQ half of a NAPI device: (in a guest, the event-channel upcall first) the handler
 * runs for one IRQ cost under `stack`, then raises NET_RX. Returns when the handler ends.
 */
export function napiIrqStart(cpu: VCpu, t: number, stack: number, irq: number, irqName: number, cost: number, upcall: boolean): number {
  if (upcall) cpu.log.emit(t, EV.X_UPCALL, cpu.curTask, -1, CALLBACK_VECTOR);
  cpu.log.emit(t, EV.IRQ_ENTRY, cpu.curTask, stack, irq, irqName);
  const end = t + cost;
  cpu.log.busy(t, end, stack, cpu.curTask);
  cpu.log.emit(end, EV.IRQ_EXIT, cpu.curTask, stack, irq);
  cpu.log.emit(end, EV.SOFTIRQ_RAISE, cpu.curTask, stack, NET_RX);
  return end;
}

/**
 * A NAPI device's two work items, as Linux drivers split them: the hard IRQ (`irqStart`)
 * only schedules the poll, which runs as NET_RX softirq work under `pollStack`.
 */
export function napiItems(
  irqStart: Item['start'],
  pollStack: (cpu: VCpu) => number,
  poll: Item['start'],
  finishPoll: Item['finish'],
): { irq: Item; poll: Item } {
  const pollItem: Item = {
    prio: PRIO.softirq,
    task: -1,
    start: (cpu, t) => {
      cpu.log.emit(t, EV.SOFTIRQ_ENTRY, cpu.curTask, pollStack(cpu), NET_RX);
      return poll(cpu, t);
    },
    finish: finishPoll,
  };
  const irq: Item = { prio: PRIO.irq, task: -1, start: irqStart, finish: (cpu, t) => cpu.enqueue(pollItem, t) };
  return { irq, poll: pollItem };
}

export interface CpuHost {
  wakeLatency: number;
  /** Tasks with an item queued somewhere (a task never has two). */
  taskQueued: Uint8Array;
  schedule(t: number, actor: Actor, arg: number): void;
}

const BEGIN = 0;
const DONE = 1;

/**
 * One vCPU pinned to one pCPU. It runs items one at a time, highest priority first, and
 * blocks in the hypervisor when it has nothing to do (the records xentrace sees), which is
 * also why an interrupt on an idle vCPU pays the wake-up latency.
 */
export class VCpu implements Actor {
  private readonly queues: Item[][] = [[], [], []];
  private readonly heads = [0, 0, 0];
  private current: Item | null = null;
  private state: 'idle' | 'waking' | 'running' = 'idle';
  /** The task on the CPU (the context interrupt work runs in); starts idle. */
  curTask: number;
  busyNs = 0;
  private busySince = 0;

  constructor(
    readonly gid: number,
    readonly domain: number,
    readonly index: number,
    readonly kind: DomKind,
    readonly idleTask: number,
    readonly log: CpuLog,
    private readonly host: CpuHost,
  ) {
    this.curTask = idleTask;
  }

  get idle(): boolean {
    return this.state === 'idle';
  }

  enqueue(item: Item, t: number): void {
    this.queues[item.prio].push(item);
    if (item.task >= 0) this.host.taskQueued[item.task] = 1;
    if (this.state !== 'idle') return;
    this.state = 'waking';
    this.log.emit(t, EV.X_WAKE, this.idleTask, -1, this.domain, this.index);
    this.host.schedule(t + this.host.wakeLatency, this, BEGIN);
  }

  fire(t: number, arg: number): void {
    if (arg === DONE) {
      const item = this.current as Item;
      this.current = null;
      item.finish(this, t);
      this.busyNs += t - this.busySince;
    }
    this.runNext(t);
  }

  private take(): Item | null {
    for (let p = 0; p < 3; p++) {
      const q = this.queues[p];
      if (this.heads[p] < q.length) {
        const item = q[this.heads[p]++];
        if (this.heads[p] > 64 && this.heads[p] * 2 > q.length) {
          q.splice(0, this.heads[p]);
          this.heads[p] = 0;
        }
        return item;
      }
    }
    return null;
  }

  private runNext(t: number): void {
    const item = this.take();
    const prev = this.curTask;
    const prevBlocked = prev !== this.idleTask && this.host.taskQueued[prev] === 0;
    if (item === null) {
      if (prev !== this.idleTask) this.switchTo(t, this.idleTask, 1);
      this.state = 'idle';
      this.log.emit(t, EV.X_BLOCK, this.idleTask, -1, this.domain, this.index);
      return;
    }
    this.state = 'running';
    if (item.task >= 0) {
      this.host.taskQueued[item.task] = 0;
      if (item.task !== prev) this.switchTo(t, item.task, prevBlocked ? 1 : 0);
    } else if (prevBlocked) {
      // The task that ran last has blocked: interrupt work now runs on the idle task.
      this.switchTo(t, this.idleTask, 1);
    }
    this.current = item;
    this.busySince = t;
    const end = item.start(this, t);
    this.host.schedule(end, this, DONE);
  }

  private switchTo(t: number, next: number, prevState: number): void {
    this.log.emit(t, EV.SCHED_SWITCH, this.curTask, -1, this.curTask, prevState, next);
    this.curTask = next;
  }
}
