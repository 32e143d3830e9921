import type { Item, VCpu } from './cpu.js';
import { NAPI_BUDGET, NET_RX, PRIO, napiIrqStart } from './cpu.js';
import type { Sim } from './engine.js';
import { EV } from './log.js';


/** What the ACK path needs from the streams. */
export interface AckTarget {
  acked(flow: number, n: number): boolean;
  wakeSender(flow: number, t: number): void;
  senderAt(flow: number): { task: number; vcpu: number };
}

/** ACKs arriving at the sending guest on one queue: NAPI work that opens the senders' windows. */
export class AckRx {
  private armed = true;
  private readonly pending = new Map<number, number>();
  private readonly irq: number;
  private readonly irqName: number;
  private readonly dev: number;
  private readonly item: Item;
  private readonly wake: number[] = [];

  constructor(
    private readonly sim: Sim,
    private readonly flows: AckTarget,
    domain: number,
    private readonly queue: number,
  ) {
    const name = `eth0-q${queue}-rx`;
    this.irq = sim.irqNumber(domain, name);
    this.irqName = sim.names.id(name);
    this.dev = sim.names.id('eth0');
    this.cpu = sim.irqCpu(domain, queue);
    this.poll = {
      prio: PRIO.softirq,
      task: -1,
      start: (c, t) => this.run(c, t),
      finish: (c, t) => {
        for (const f of this.wake) flows.wakeSender(f, t);
        this.wake.length = 0;
        if (this.pending.size > 0) c.enqueue(this.poll, t);
        else this.armed = true;
      },
    };
    // The hard IRQ only schedules NAPI; the ACKs are processed in the softirq poll.
    this.item = {
      prio: PRIO.irq,
      task: -1,
      start: (c, t) => napiIrqStart(c, t, sim.stack('ack', c.kind), this.irq, this.irqName, sim.cost(sim.s.costs.irq), true),
      finish: (c, t) => c.enqueue(this.poll, t),
    };
  }

  private readonly cpu: VCpu;
  private readonly poll: Item;

  /** An ACK for `n` skbs of `flow` leaves the receiver; it crosses dom0 before it arrives. */
  ack(flow: number, n: number, t: number): void {
    this.pending.set(flow, (this.pending.get(flow) ?? 0) + n);
    if (!this.armed) return;
    this.armed = false;
    this.sim.at(t + this.sim.s.costs.notifyLatency, (t2) => this.sim.deliver(this.cpu, this.item, t2));
  }

  private run(cpu: VCpu, t: number): number {
    const sim = this.sim;
    const task = cpu.curTask;
    const stack = sim.stack('ack', cpu.kind);
    let c = t;
    cpu.log.emit(c, EV.SOFTIRQ_ENTRY, task, stack, NET_RX);
    let work = 0;
    for (const [flow, n] of this.pending) {
      work += n;
      if (this.flows.acked(flow, n)) {
        const s = this.flows.senderAt(flow);
        cpu.log.emit(c, EV.SCHED_WAKEUP, task, stack, s.task, s.vcpu);
        this.wake.push(flow);
      }
    }
    this.pending.clear();
    const d = sim.cost(work * sim.s.costs.ackPkt);
    cpu.log.busy(c, c + d, stack, task);
    c += d;
    cpu.log.emit(c, EV.NAPI_POLL, task, stack, this.dev, this.queue, Math.min(work, NAPI_BUDGET), NAPI_BUDGET);
    cpu.log.emit(c, EV.SOFTIRQ_EXIT, task, stack, NET_RX);
    return c;
  }
}
