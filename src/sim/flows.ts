import type { Item, VCpu } from './cpu.js';
import { PRIO } from './cpu.js';
import type { Sim } from './engine.js';
import { AckRx } from './acks.js';
import { EV } from './log.js';
import type { FrontTx } from './netfront.js';
import type { Pkt, StreamHooks } from './packet.js';
import { flowHash, slotsFor } from './packet.js';

/** TCP small queues: bytes a socket may have below it (qdisc + driver ring), 256 KiB = 4 GSO skbs. */
const TSQ_SKBS = 4;
const READ_BYTES = 131072;
const IRET = 23;
const NR_READ = 0;
const NR_WRITE = 1;

interface Stream {
  sender: { task: number; vcpu: number; cpu: VCpu };
  receiver: { task: number; vcpu: number; cpu: VCpu };
  txQueue: number;
  rxQueue: number;
  inflight: number;
  below: number;
  blocked: boolean;
  queued: boolean;
  nextAllowed: number;
  ready: Pkt[];
  sleeping: boolean;
  send: Item;
  read: Item;
}

/**
 * iperf-like TCP streams from one guest to another: a sender thread per stream writing one
 * GSO skb per write(2), held back by the TCP window (ACKs) and TCP small queues (TX
 * completions); a receiver thread per stream reading what NAPI delivered. ACKs return
 * through the sending guest's RX interrupt (`eth0-qN-rx`), batched like any NAPI work.
 */
export class Flows implements StreamHooks {
  readonly streams: Stream[] = [];
  deliveredBytes = 0;
  private readonly acks: AckRx[] = [];
  private readonly interval: number;
  private readonly pv64From: boolean;
  private readonly pv64To: boolean;

  constructor(
    private readonly sim: Sim,
    private readonly fronts: FrontTx[],
    rxQueues: number,
  ) {
    const f = sim.s.flows;
    const from = sim.domain(f.from);
    const to = sim.domain(f.to);
    this.pv64From = from.kind === 2;
    this.pv64To = to.kind === 2;
    this.interval = f.gbpsEach === null ? 0 : Math.round((f.skbBytes * 8) / f.gbpsEach);
    for (let q = 0; q < fronts.length; q++) this.acks.push(new AckRx(sim, this, f.from, q));
    const sendPid = 2100;
    const recvPid = sendPid + f.count + 100; // tids never collide, however many streams
    for (let i = 0; i < f.count; i++) {
      const h = flowHash(0x0a000001, 0x0a000002, f.srcPortBase + i, f.dstPort);
      const sv = from.vcpus[i % from.vcpus.length];
      const rv = to.vcpus[i % to.vcpus.length];
      const sTask = sim.addTask(f.from, sendPid + 1 + i, sendPid, 'iperf', 120);
      const rTask = sim.addTask(f.to, recvPid + 1 + i, recvPid, 'iperf', 120);
      const s: Stream = {
        sender: { task: sTask, vcpu: sv.index, cpu: sv },
        receiver: { task: rTask, vcpu: rv.index, cpu: rv },
        txQueue: h % fronts.length,
        rxQueue: h % rxQueues,
        inflight: 0,
        below: 0,
        blocked: false,
        queued: false,
        nextAllowed: 0,
        ready: [],
        sleeping: true,
        send: { prio: PRIO.task, task: sTask, start: (cpu, t) => this.write(i, cpu, t), finish: (cpu, t) => this.wrote(i, cpu, t) },
        read: { prio: PRIO.task, task: rTask, start: (cpu, t) => this.readData(i, cpu, t), finish: (_cpu, t) => this.readDone(i, t) },
      };
      this.streams.push(s);
    }
  }

  /** Start every stream at a slightly different moment, as iperf threads do. */
  start(): void {
    this.streams.forEach((_s, i) => this.sim.at(this.sim.rng.int(20_000), (t) => this.trySend(i, t)));
  }

  private canSend(s: Stream): boolean {
    return s.inflight < this.sim.s.flows.windowSkbs && s.below < TSQ_SKBS;
  }

  private trySend(i: number, t: number): void {
    const s = this.streams[i];
    if (s.queued) return;
    if (!this.canSend(s)) {
      s.blocked = true;
      return;
    }
    s.queued = true;
    if (this.interval > 0 && t < s.nextAllowed) this.sim.at(s.nextAllowed, (t2) => s.sender.cpu.enqueue(s.send, t2));
    else s.sender.cpu.enqueue(s.send, t);
  }

  private readonly out: Pkt[][] = [];

  private write(i: number, cpu: VCpu, t: number): number {
    const sim = this.sim;
    const s = this.streams[i];
    const bytes = sim.s.flows.skbBytes;
    const task = s.sender.task;
    const log = cpu.log;
    log.emit(t, EV.SYS_ENTER, task, sim.stack('syscall', cpu.kind), NR_WRITE, 3, bytes);
    let c = t;
    if (this.pv64From) c = this.pv64Entry(cpu, c, task);
    const d = sim.cost(sim.s.costs.syscall + (bytes / 1024) * sim.s.costs.userCopyPerKiB);
    log.busy(c, c + d, sim.stack('send', cpu.kind), task);
    c += d;
    const pkt: Pkt = { flow: i, skb: sim.newSkb(), dom0Skb: -1, bytes, slots: slotsFor(bytes) };
    log.emit(c, EV.NET_QUEUE, task, sim.stack('xmit', cpu.kind), sim.names.id('eth0'), pkt.skb, bytes);
    const out = (this.out[i] ??= []);
    c = this.fronts[s.txQueue].send(cpu, c, pkt, out);
    log.emit(c, EV.SYS_EXIT, task, sim.stack('syscall', cpu.kind), NR_WRITE, bytes);
    if (this.pv64From) log.emit(c, EV.X_HYPERCALL, task, -1, IRET, 0, 0, 0);
    s.inflight++;
    s.below++;
    if (this.interval > 0) s.nextAllowed = Math.max(s.nextAllowed, t) + this.interval;
    return c;
  }

  /**
   * A 64-bit PV guest's kernel and user space run on different page tables, so Xen switches
   * (and flushes the TLB) on the way into and out of every syscall. The guest-visible flush is
   * traced right after sys_enter, inside the syscall, where the detector attributes it.
   */
  private pv64Entry(cpu: VCpu, c: number, task: number): number {
    const sim = this.sim;
    const stack = sim.stack('pv64Sysret', cpu.kind);
    cpu.log.emit(c, EV.TLB_FLUSH, task, sim.stack('syscall', cpu.kind), -1, 0);
    const d = sim.cost(sim.s.costs.pv64Syscall);
    cpu.log.busy(c, c + d, stack, task);
    return c + d;
  }

  private wrote(i: number, cpu: VCpu, t: number): void {
    const s = this.streams[i];
    this.fronts[s.txQueue].publish(cpu, t, this.out[i]);
    s.queued = false;
    this.trySend(i, t);
  }

  private readData(i: number, cpu: VCpu, t: number): number {
    const sim = this.sim;
    const s = this.streams[i];
    const task = s.receiver.task;
    cpu.log.emit(t, EV.SYS_ENTER, task, sim.stack('syscall', cpu.kind), NR_READ, 4, READ_BYTES);
    let c = t;
    if (this.pv64To) c = this.pv64Entry(cpu, c, task);
    let bytes = 0;
    let n = 0;
    while (n < s.ready.length && bytes + s.ready[n].bytes <= READ_BYTES) bytes += s.ready[n++].bytes;
    s.ready.splice(0, n);
    const d = sim.cost(sim.s.costs.syscall + (bytes / 1024) * sim.s.costs.userCopyPerKiB);
    cpu.log.busy(c, c + d, sim.stack('recv', cpu.kind), task);
    c += d;
    cpu.log.emit(c, EV.SYS_EXIT, task, sim.stack('syscall', cpu.kind), NR_READ, bytes);
    if (this.pv64To) cpu.log.emit(c, EV.X_HYPERCALL, task, -1, IRET, 0, 0, 0);
    this.lastRead[i] = n;
    this.lastBytes[i] = bytes;
    return c;
  }

  private readonly lastRead: number[] = [];
  private readonly lastBytes: number[] = [];

  private readDone(i: number, t: number): void {
    const s = this.streams[i];
    if (t >= this.sim.s.warmupMs * 1e6) this.deliveredBytes += this.lastBytes[i];
    if (this.lastRead[i] > 0) this.acks[s.txQueue].ack(i, this.lastRead[i], t);
    if (s.ready.length > 0) s.receiver.cpu.enqueue(s.read, t);
    else s.sleeping = true;
  }

  // StreamHooks
  txCompleted(flow: number): boolean {
    const s = this.streams[flow];
    s.below--;
    return this.unblock(s);
  }

  acked(flow: number, n: number): boolean {
    const s = this.streams[flow];
    s.inflight -= n;
    return this.unblock(s);
  }

  private unblock(s: Stream): boolean {
    if (!s.blocked || !this.canSend(s)) return false;
    s.blocked = false;
    return true;
  }

  wakeSender(flow: number, t: number): void {
    this.trySend(flow, t);
  }

  senderAt(flow: number): { task: number; vcpu: number } {
    return this.streams[flow].sender;
  }

  dataArrived(flow: number, pkt: Pkt): boolean {
    const s = this.streams[flow];
    s.ready.push(pkt);
    if (!s.sleeping) return false;
    s.sleeping = false;
    return true;
  }

  wakeReceiver(flow: number, t: number): void {
    const s = this.streams[flow];
    s.receiver.cpu.enqueue(s.read, t);
  }

  receiverAt(flow: number): { task: number; vcpu: number } {
    return this.streams[flow].receiver;
  }
}
