import type { Item, VCpu } from './cpu.js';
import { CALLBACK_VECTOR, NAPI_BUDGET, NET_RX, PRIO, napiIrqStart, napiItems } from './cpu.js';
import type { Sim } from './engine.js';
import { EV } from './log.js';
import type { Pkt, StreamHooks } from './packet.js';
import { takeBatch } from './packet.js';

const NET_TX = 2;
const NETDEV_TX_BUSY = 16;
const EVTCHNOP_SEND = 4;

/** The other end of a ring: kicked by an event-channel notification unless it is already polling. */
export interface TxBackend {
  readonly armed: boolean;
  kick(t: number): void;
  accept(pkts: Pkt[]): void;
}

/**
 * One netfront TX queue (`eth0-qN`): a ring of `txSlots` slots shared with netback. When the
 * ring lacks slots for the next skb the driver answers NETDEV_TX_BUSY (`net_dev_xmit rc=16`)
 * and the queue stays stopped until TX completions free room: a stall, the truth of ring-full.
 */
export class FrontTx {
  free: number;
  stopped = false;
  private stopAt = 0;
  /** Woken, the requeued skb not yet accepted: the stall ends when the driver takes it. */
  private reopened = false;
  readonly stallStart: number[] = [];
  readonly stallEnd: number[] = [];
  private readonly backlog: Pkt[] = [];
  private readonly done: Pkt[] = [];
  private gcArmed = true;
  back!: TxBackend;
  hooks!: StreamHooks;
  readonly name: string;
  private readonly dev: number;
  private readonly irq: number;
  private readonly irqName: number;
  private readonly gc: Item;

  constructor(
    private readonly sim: Sim,
    readonly domain: number,
    readonly queue: number,
    private readonly maxSlots: number,
  ) {
    this.free = sim.s.ring.txSlots;
    this.name = `eth0-q${queue}`;
    this.dev = sim.names.id('eth0');
    this.irqName = sim.names.id(`eth0-q${queue}-tx`);
    this.irq = sim.irqNumber(domain, `eth0-q${queue}-tx`);
    const out: Pkt[] = [];
    const wake: number[] = [];
    const self = this;
    this.gc = {
      prio: PRIO.irq,
      task: -1,
      start: (cpu, t) => self.collect(cpu, t, out, wake),
      finish(cpu, t) {
        self.publish(cpu, t, out);
        for (const f of wake) self.hooks.wakeSender(f, t);
        wake.length = 0;
        if (self.done.length > 0) cpu.enqueue(self.gc, t);
        else self.gcArmed = true;
      },
    };
  }

  /** Hand an skb from the socket to the driver at `c` (inside a send item); returns the time after. */
  send(cpu: VCpu, c: number, pkt: Pkt, out: Pkt[]): number {
    if (this.stopped || this.backlog.length > 0) {
      this.backlog.push(pkt); // the qdisc keeps it until the queue wakes
      return c;
    }
    return this.transmit(cpu, c, pkt, out);
  }

  private transmit(cpu: VCpu, c: number, pkt: Pkt, out: Pkt[]): number {
    const sim = this.sim;
    const task = cpu.curTask;
    const stack = sim.stack('xmit', cpu.kind);
    cpu.log.emit(c, EV.QDISC_DEQ, task, stack, this.dev, this.queue, 0, pkt.skb);
    cpu.log.emit(c, EV.START_XMIT, task, stack, this.dev, this.queue, pkt.skb, pkt.bytes);
    const d = sim.cost(sim.s.costs.netfrontXmit + pkt.slots * sim.s.costs.netfrontSlot);
    cpu.log.busy(c, c + d, stack, task);
    c += d;
    if (this.free < pkt.slots) {
      cpu.log.emit(c, EV.XMIT, task, stack, this.dev, pkt.skb, pkt.bytes, NETDEV_TX_BUSY);
      this.stopped = true;
      this.stopAt = c;
      this.backlog.unshift(pkt); // requeued; the qdisc sees the stopped queue
      cpu.log.emit(c, EV.QDISC_DEQ, task, stack, this.dev, this.queue, 1, -1);
      return c;
    }
    this.free -= pkt.slots;
    out.push(pkt);
    cpu.log.emit(c, EV.XMIT, task, stack, this.dev, pkt.skb, pkt.bytes, 0);
    if (this.reopened) {
      // A stall is what the trace shows: from the busy return to the next accepted xmit.
      this.stallStart.push(this.stopAt);
      this.stallEnd.push(c);
      this.reopened = false;
    }
    if (out.length === 1 && this.back.armed) c = this.notifyCost(cpu, c);
    return c;
  }

  private notifyCost(cpu: VCpu, c: number): number {
    const sim = this.sim;
    const hvm = cpu.kind === 1 ? sim.s.costs.hvmExit : 0;
    const d = sim.cost(sim.s.costs.notify + hvm);
    cpu.log.busy(c, c + d, sim.stack('notify', cpu.kind), cpu.curTask);
    return c + d;
  }

  /** Make transmitted requests visible to netback and notify it if it is not polling. */
  publish(cpu: VCpu, t: number, out: Pkt[]): void {
    if (out.length === 0) return;
    this.back.accept(out);
    out.length = 0;
    if (this.back.armed) {
      cpu.log.emit(t, EV.X_HYPERCALL, cpu.curTask, -1, 32, EVTCHNOP_SEND, 0, 0);
      this.back.kick(t);
    }
  }

  get gcArmedNow(): boolean {
    return this.gcArmed;
  }

  /** netback pushed TX responses: the ring slots come back after the completion interrupt. True = notified. */
  responses(pkts: Pkt[], t: number): boolean {
    for (const p of pkts) this.done.push(p);
    if (!this.gcArmed) return false;
    this.gcArmed = false;
    this.sim.deliver(this.sim.irqCpu(this.domain, this.queue), this.gc, t);
    return true;
  }

  private collect(cpu: VCpu, t: number, out: Pkt[], wake: number[]): number {
    const sim = this.sim;
    const log = cpu.log;
    const task = cpu.curTask;
    const stack = sim.stack('txGc', cpu.kind);
    log.emit(t, EV.X_UPCALL, task, -1, CALLBACK_VECTOR);
    log.emit(t, EV.IRQ_ENTRY, task, stack, this.irq, this.irqName);
    const pkts = this.done.splice(0, this.done.length);
    let c = t + sim.cost(sim.s.costs.irq + pkts.length * sim.s.costs.txGcPerPkt);
    log.busy(t, c, stack, task);
    log.emit(c, EV.IRQ_EXIT, task, stack, this.irq);
    log.emit(c, EV.SOFTIRQ_RAISE, task, stack, NET_TX);
    log.emit(c, EV.SOFTIRQ_ENTRY, task, stack, NET_TX);
    const consumed = sim.names.id('xennet_tx_buf_gc+0x86');
    for (const p of pkts) {
      this.free += p.slots;
      log.emit(c, EV.CONSUME_SKB, task, stack, p.skb, consumed);
      if (this.hooks.txCompleted(p.flow)) {
        const w = this.hooks.senderAt(p.flow);
        log.emit(c, EV.SCHED_WAKEUP, task, stack, w.task, w.vcpu);
        wake.push(p.flow);
      }
    }
    if (this.stopped && this.free >= this.maxSlots) {
      this.stopped = false;
      this.reopened = true;
      // Items apply their effects when they start, so a send item that started on another vCPU
      // just before this one can stop the queue at a later time (its rc=16 at stopAt, after
      // this handler began). The retry needs the queue's xmit lock, which that xmit holds until
      // it returns: the requeued skb cannot be offered again before it was refused.
      if (c < this.stopAt) {
        log.busy(c, this.stopAt, stack, task);
        c = this.stopAt;
      }
      while (this.backlog.length > 0 && !this.stopped) c = this.transmit(cpu, c, this.backlog.shift() as Pkt, out);
    }
    log.emit(c, EV.SOFTIRQ_EXIT, task, stack, NET_TX);
    return c;
  }

  /**
   * Stalls still open at the end of the run count up to `end`. The last items' events run past
   * the end and are clipped from the trace, so a stall that begins there is not one.
   */
  closeStalls(end: number): void {
    if (this.stopped || this.reopened) {
      this.stallStart.push(this.stopAt);
      this.stallEnd.push(end);
      this.stopped = this.reopened = false;
    }
    while (this.stallStart.length > 0 && this.stallStart[this.stallStart.length - 1] >= end) {
      this.stallStart.pop();
      this.stallEnd.pop();
    }
  }
}

/** What netfront RX needs from netback's RX side. */
export interface RxBackend {
  readonly waiting: boolean;
  refilled(t: number): void;
}

/**
 * One netfront RX queue: netback copies packets into the buffers it posted; the RX interrupt
 * schedules NAPI, which hands skbs to TCP and posts fresh buffers (a notification when
 * netback is waiting for room).
 */
export class FrontRx {
  posted: number;
  private readonly delivered: Pkt[] = [];
  private armed = true;
  back!: RxBackend;
  hooks!: StreamHooks;
  private readonly dev: number;
  private readonly irq: number;
  private readonly irqName: number;
  private readonly irqItem: Item;
  private readonly pollItem: Item;
  private readonly cpu: VCpu;

  constructor(
    private readonly sim: Sim,
    readonly domain: number,
    readonly queue: number,
  ) {
    this.posted = sim.s.ring.rxSlots;
    this.dev = sim.names.id('eth0');
    this.irqName = sim.names.id(`eth0-q${queue}-rx`);
    this.irq = sim.irqNumber(domain, `eth0-q${queue}-rx`);
    this.cpu = sim.irqCpu(domain, queue);
    const batch: Pkt[] = [];
    const wake: number[] = [];
    const napi = napiItems(
      (cpu, t) => this.irqStart(cpu, t),
      (cpu) => sim.stack('rxPoll', cpu.kind),
      (cpu, t) => this.poll(cpu, t, batch, wake),
      (cpu, t) => this.finishPoll(cpu, t, batch, wake),
    );
    this.irqItem = napi.irq;
    this.pollItem = napi.poll;
  }

  get armedNow(): boolean {
    return this.armed;
  }

  /** netback copied packets in and pushed responses; true = it had to notify. */
  deliver(pkts: Pkt[], t: number): boolean {
    for (const p of pkts) this.delivered.push(p);
    if (!this.armed) return false;
    this.armed = false;
    this.sim.deliver(this.cpu, this.irqItem, t);
    return true;
  }

  private irqStart(cpu: VCpu, t: number): number {
    const sim = this.sim;
    return napiIrqStart(cpu, t, sim.stack('rxPoll', cpu.kind), this.irq, this.irqName, sim.cost(sim.s.costs.irq), true);
  }

  private poll(cpu: VCpu, c: number, batch: Pkt[], wake: number[]): number {
    const sim = this.sim;
    const task = cpu.curTask;
    const { n, slots } = takeBatch(this.delivered, batch, NAPI_BUDGET);
    let d = sim.cost(n * sim.s.costs.napiPkt);
    cpu.log.busy(c, c + d, sim.stack('rxStack', cpu.kind), task);
    c += d;
    d = sim.cost(slots * sim.s.costs.rxRefillSlot);
    const stack = sim.stack('rxPoll', cpu.kind);
    cpu.log.busy(c, c + d, stack, task);
    c += d;
    for (const p of batch) {
      if (this.hooks.dataArrived(p.flow, p)) {
        const r = this.hooks.receiverAt(p.flow);
        cpu.log.emit(c, EV.SCHED_WAKEUP, task, stack, r.task, r.vcpu);
        wake.push(p.flow);
      }
    }
    cpu.log.emit(c, EV.NAPI_POLL, task, stack, this.dev, this.queue, n, NAPI_BUDGET);
    cpu.log.emit(c, EV.SOFTIRQ_EXIT, task, stack, NET_RX);
    return c;
  }

  private finishPoll(cpu: VCpu, t: number, batch: Pkt[], wake: number[]): void {
    for (const p of batch) this.posted += p.slots;
    batch.length = 0;
    if (this.back.waiting) {
      cpu.log.emit(t, EV.X_HYPERCALL, cpu.curTask, -1, 32, EVTCHNOP_SEND, 0, 0);
      this.back.refilled(t);
    }
    for (const f of wake) this.hooks.wakeReceiver(f, t);
    wake.length = 0;
    if (this.delivered.length > 0) cpu.enqueue(this.pollItem, t);
    else this.armed = true;
  }
}
