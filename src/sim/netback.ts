import type { Item, VCpu } from './cpu.js';
import { NAPI_BUDGET, NET_RX, PRIO, napiIrqStart, napiItems } from './cpu.js';
import type { Sim } from './engine.js';
import type { GrantLock } from './grant.js';
import { EV } from './log.js';
import type { FrontRx, FrontTx, RxBackend, TxBackend } from './netfront.js';
import type { Pkt } from './packet.js';
import { takeBatch } from './packet.js';
import type { Activity } from './stacks.js';

const GNTTABOP_COPY = 5;
const EVTCHNOP_SEND = 4;

/** Grant-copy `slots` pages against `lock`'s domain in hypercalls of at most batchSlots ops each. */
function grantCopy(sim: Sim, cpu: VCpu, c: number, slots: number, perSlot: number, lock: GrantLock, who: number, spinAct: Activity, copyAct: Activity): number {
  const task = cpu.curTask;
  for (let left = slots; left > 0; ) {
    const ops = Math.min(left, sim.s.gnttab.batchSlots);
    left -= ops;
    cpu.log.emit(c, EV.X_HYPERCALL, task, -1, 20, GNTTABOP_COPY, ops, 2);
    const spin = lock.spin(who, cpu.gid, c, ops, sim.s.gnttab.holdNs, sim);
    const copy = sim.cost(ops * perSlot);
    lock.record(who, cpu.gid, c, spin, copy, ops);
    cpu.log.busy(c, c + spin, sim.stack(spinAct, 0), task);
    cpu.log.busy(c + spin, c + spin + copy, sim.stack(copyAct, 0), task);
    c += spin + copy;
  }
  return c;
}

/**
 * Netback's guest-TX side of one queue (`vifD.0-qN`): the `-tx` interrupt schedules NAPI on
 * the vCPU the interrupt is bound to, which grant-copies the requests out of the guest and
 * forwards the packets (bridge) to the destination VIF. Under the `vcpu0` IRQ policy every
 * queue's NAPI therefore runs on dom0 vCPU 0.
 */
export class BackTx implements TxBackend {
  armed = true;
  private readonly pending: Pkt[] = [];
  front!: FrontTx;
  rx!: BackRx[];
  rxQueueOf!: (flow: number) => number;
  private readonly cpu: VCpu;
  private readonly dev: number;
  private readonly rxDev: number;
  private readonly irq: number;
  private readonly irqName: number;
  private readonly irqItem: Item;
  private readonly pollItem: Item;

  constructor(
    private readonly sim: Sim,
    readonly guest: number,
    readonly queue: number,
    vifIndex: number,
    rxGuest: number,
    private readonly lock: GrantLock,
  ) {
    const offset = Math.floor((vifIndex * sim.domain(0).vcpus.length) / 2);
    this.cpu = sim.irqCpu(0, queue, offset);
    this.dev = sim.names.id(`vif${guest}.0`);
    this.rxDev = sim.names.id(`vif${rxGuest}.0`);
    const name = `vif${guest}.0-q${queue}-tx`;
    this.irqName = sim.names.id(name);
    this.irq = sim.irqNumber(0, name);
    const batch: Pkt[] = [];
    // Polls run round-robin with other queues' polls on the same vCPU.
    const napi = napiItems(
      (cpu, t) => this.irqStart(cpu, t),
      () => sim.stack('nbTxBuild', 0),
      (cpu, t) => this.poll(cpu, t, batch),
      (cpu, t) => this.finishPoll(cpu, t, batch),
    );
    this.irqItem = napi.irq;
    this.pollItem = napi.poll;
  }

  kick(t: number): void {
    if (!this.armed) return;
    this.armed = false;
    this.sim.deliver(this.cpu, this.irqItem, t);
  }

  accept(pkts: Pkt[]): void {
    for (const p of pkts) this.pending.push(p);
  }

  private irqStart(cpu: VCpu, t: number): number {
    const sim = this.sim;
    return napiIrqStart(cpu, t, sim.stack('nbIrq', 0), this.irq, this.irqName, sim.cost(sim.s.costs.irq), false);
  }

  private poll(cpu: VCpu, c: number, batch: Pkt[]): number {
    const sim = this.sim;
    const costs = sim.s.costs;
    const task = cpu.curTask;
    const { n, slots } = takeBatch(this.pending, batch, NAPI_BUDGET);
    // Netback's own per-slot work builds the copy ops; Xen's page copy is timed in the hypercall.
    let d = sim.cost(n * costs.backTxPkt + slots * (costs.backTxSlot - costs.gnttabCopySlot));
    cpu.log.busy(c, c + d, sim.stack('nbTxBuild', 0), task);
    c += d;
    c = grantCopy(sim, cpu, c, slots, costs.gnttabCopySlot, this.lock, this.queue, 'nbTxSpin', 'nbTxCopy');
    const fwd = sim.stack('nbForward', 0);
    for (const p of batch) {
      p.dom0Skb = sim.newSkb();
      const q2 = this.rxQueueOf(p.flow);
      cpu.log.emit(c, EV.NET_QUEUE, task, fwd, this.rxDev, p.dom0Skb, p.bytes);
      cpu.log.emit(c, EV.START_XMIT, task, fwd, this.rxDev, q2, p.dom0Skb, p.bytes);
      d = sim.cost(costs.forward);
      cpu.log.busy(c, c + d, fwd, task);
      c += d;
      cpu.log.emit(c, EV.XMIT, task, fwd, this.rxDev, p.dom0Skb, p.bytes, 0);
      const rx = this.rx[q2];
      if (rx.claimWake()) cpu.log.emit(c, EV.SCHED_WAKEUP, task, fwd, rx.task, rx.cpu.index);
    }
    if (n > 0 && this.front.gcArmedNow) {
      d = sim.cost(costs.notify);
      cpu.log.busy(c, c + d, sim.stack('nbTxNotify', 0), task);
      c += d;
    }
    cpu.log.emit(c, EV.NAPI_POLL, task, sim.stack('nbTxBuild', 0), this.dev, this.queue, n, NAPI_BUDGET);
    cpu.log.emit(c, EV.SOFTIRQ_EXIT, task, sim.stack('nbTxBuild', 0), NET_RX);
    return c;
  }

  private finishPoll(cpu: VCpu, t: number, batch: Pkt[]): void {
    if (batch.length > 0) {
      if (this.front.responses(batch, t)) cpu.log.emit(t, EV.X_HYPERCALL, cpu.curTask, -1, 32, EVTCHNOP_SEND, 0, 0);
      for (const p of batch) this.rx[this.rxQueueOf(p.flow)].receive(p, t);
      batch.length = 0;
    }
    if (this.pending.length > 0) cpu.enqueue(this.pollItem, t);
    else this.armed = true;
  }
}

/**
 * Netback's guest-RX side of one queue: a kthread (`vifD.0-qN-guest-rx`) that grant-copies
 * queued packets into buffers the frontend posted, and sleeps when it has none (waiting
 * for the frontend's `-rx` notification) or nothing to send.
 */
export class BackRx implements RxBackend {
  waiting = false;
  private sleeping = true;
  private wakeClaimed = false;
  private refillPending = false;
  private readonly backlog: Pkt[] = [];
  front!: FrontRx;
  readonly task: number;
  readonly cpu: VCpu;
  private readonly irqCpu: VCpu;
  private readonly irq: number;
  private readonly irqName: number;
  private readonly work: Item;
  private readonly refillIrq: Item;

  constructor(
    private readonly sim: Sim,
    readonly guest: number,
    readonly queue: number,
    vifIndex: number,
    private readonly lock: GrantLock,
  ) {
    const offset = Math.floor((vifIndex * sim.domain(0).vcpus.length) / 2);
    this.cpu = sim.homeCpu(0, queue, offset);
    this.irqCpu = sim.irqCpu(0, queue, offset);
    const name = `vif${guest}.0-q${queue}`;
    this.task = sim.addTask(0, 3000 + guest * 64 + queue, 3000 + guest * 64 + queue, `${name}-guest-rx`.slice(0, 15), 120);
    this.irqName = sim.names.id(`${name}-rx`);
    this.irq = sim.irqNumber(0, `${name}-rx`);
    const batch: Pkt[] = [];
    this.work = { prio: PRIO.task, task: this.task, start: (cpu, t) => this.copyOut(cpu, t, batch), finish: (cpu, t) => this.finishWork(cpu, t, batch) };
    this.refillIrq = {
      prio: PRIO.irq,
      task: -1,
      start: (cpu, t) => {
        const stack = sim.stack('nbIrq', 0);
        cpu.log.emit(t, EV.IRQ_ENTRY, cpu.curTask, stack, this.irq, this.irqName);
        const c = t + sim.cost(sim.s.costs.irq);
        cpu.log.busy(t, c, stack, cpu.curTask);
        cpu.log.emit(c, EV.IRQ_EXIT, cpu.curTask, stack, this.irq);
        if (this.sleeping && this.backlog.length > 0) cpu.log.emit(c, EV.SCHED_WAKEUP, cpu.curTask, stack, this.task, this.cpu.index);
        return c;
      },
      finish: (_cpu, t) => {
        this.refillPending = false;
        this.waiting = false;
        this.wakeIfNeeded(t);
      },
    };
  }

  /** Called while forwarding: true when this enqueue wakes the kthread (the caller traces sched_wakeup). */
  claimWake(): boolean {
    if (!this.sleeping || this.waiting || this.wakeClaimed) return false;
    this.wakeClaimed = true;
    return true;
  }

  receive(p: Pkt, t: number): void {
    this.backlog.push(p);
    this.wakeIfNeeded(t);
  }

  refilled(t: number): void {
    if (this.refillPending) return;
    this.refillPending = true;
    this.sim.deliver(this.irqCpu, this.refillIrq, t);
  }

  private wakeIfNeeded(t: number): void {
    if (!this.sleeping || this.waiting || this.backlog.length === 0) return;
    this.sleeping = false;
    this.wakeClaimed = false;
    this.cpu.enqueue(this.work, t);
  }

  private copyOut(cpu: VCpu, t: number, batch: Pkt[]): number {
    const sim = this.sim;
    const costs = sim.s.costs;
    let slots = 0;
    // One grant-copy batch per pass: responses go out after each batch (xenvif_rx_copy_flush).
    const limit = Math.min(this.front.posted, this.sim.s.gnttab.batchSlots);
    while (this.backlog.length > 0 && (batch.length === 0 ? this.backlog[0].slots <= this.front.posted : slots + this.backlog[0].slots <= limit)) {
      const p = this.backlog.shift() as Pkt;
      slots += p.slots;
      batch.push(p);
    }
    const work = sim.stack('nbRxWork', 0);
    // Per packet, and per slot all but Xen's page copy (building the copy ops, meta, responses):
    // the copy itself costs the same in both directions, so only it runs inside the hypercall.
    let c = t + sim.cost(costs.backRxPkt * Math.max(1, batch.length) + slots * (costs.backRxSlot - costs.gnttabCopySlot));
    cpu.log.busy(t, c, work, this.task);
    if (batch.length === 0) {
      this.waiting = true; // no posted buffers: wait for the frontend's notification
      return c;
    }
    this.front.posted -= slots;
    c = grantCopy(sim, cpu, c, slots, costs.gnttabCopySlot, this.lock, this.queue, 'nbRxSpin', 'nbRxCopy');
    const loc = sim.names.id('xenvif_rx_action+0x1a7');
    for (const p of batch) cpu.log.emit(c, EV.CONSUME_SKB, this.task, work, p.dom0Skb, loc);
    if (this.front.armedNow) {
      const d = sim.cost(costs.notify);
      cpu.log.busy(c, c + d, sim.stack('nbRxNotify', 0), this.task);
      c += d;
    }
    return c;
  }

  private finishWork(cpu: VCpu, t: number, batch: Pkt[]): void {
    if (batch.length > 0) {
      if (this.front.deliver(batch, t)) cpu.log.emit(t, EV.X_HYPERCALL, this.task, -1, 32, EVTCHNOP_SEND, 0, 0);
      batch.length = 0;
    }
    if (this.backlog.length > 0 && !this.waiting) cpu.enqueue(this.work, t);
    else {
      this.sleeping = true;
      this.wakeClaimed = false;
    }
  }
}
