import type { CpuHost, Item } from './cpu.js';
import { VCpu } from './cpu.js';
import type { Actor } from './event-queue.js';
import { EventQueue } from './event-queue.js';
import type { Task } from './log.js';
import type { LogParts } from './log.js';
import { CpuLog, Names } from './log.js';
import { JitterTable, Prng } from './prng.js';
import type { IrqPolicy, Scenario } from './scenario.js';
import type { DomKind } from './stacks.js';
import { stackId } from './stacks.js';
import type { Activity } from './stacks.js';

export interface Domain {
  id: number;
  kind: DomKind;
  vcpus: VCpu[];
  irq: IrqPolicy;
  queues: number;
  /** Linux IRQ numbers by handler name, allocated on first use like dynamic Xen IRQs. */
  irqs: Map<string, number>;
  nextIrq: number;
}

class Callback implements Actor {
  constructor(private readonly fn: (t: number) => void) {}
  fire(t: number): void {
    this.fn(t);
  }
}

class Delivery implements Actor {
  constructor(
    private readonly cpu: VCpu,
    private readonly item: Item,
  ) {}
  fire(t: number): void {
    this.cpu.enqueue(this.item, t);
  }
}

/**
 * The shared context of one run: clock and event queue, PRNG, domains and their vCPUs,
 * tasks and interned names. Model objects (netfront, netback, flows) hold a reference.
 */
export class Sim implements CpuHost {
  readonly q = new EventQueue();
  readonly rng: Prng;
  readonly names = new Names();
  readonly tasks: Task[] = [];
  taskQueued = new Uint8Array(0);
  readonly cpus: VCpu[] = [];
  readonly domains = new Map<number, Domain>();
  readonly wakeLatency: number;
  private readonly jitter: JitterTable;
  private readonly deliveries = new Map<Item, Delivery>();
  skbSeq = 0;

  constructor(
    readonly s: Scenario,
    readonly seed: number,
    private readonly record: (domain: number) => LogParts,
  ) {
    this.rng = new Prng(seed, 1);
    this.jitter = new JitterTable(this.rng, s.costs.cv);
    this.wakeLatency = s.costs.wakeLatency;
    this.addDomain(0, 0, s.dom0.vcpus, s.dom0.irq, 1);
    for (const g of s.guests) this.addDomain(g.id, g.type === 'pv64' ? 2 : 1, g.vcpus, g.irq, g.queues);
  }

  private addDomain(id: number, kind: DomKind, vcpus: number, irq: IrqPolicy, queues: number): void {
    const d: Domain = { id, kind, vcpus: [], irq, queues, irqs: new Map(), nextIrq: id === 0 ? 96 : 24 };
    for (let v = 0; v < vcpus; v++) {
      const idle = this.addTask(id, 0, 0, `swapper/${v}`, 120);
      d.vcpus.push(new VCpu(this.cpus.length, id, v, kind, idle, new CpuLog(this.record(id)), this));
      this.cpus.push(d.vcpus[v]);
    }
    this.domains.set(id, d);
  }

  domain(id: number): Domain {
    return this.domains.get(id) as Domain;
  }

  addTask(domain: number, tid: number, pid: number, comm: string, prio: number): number {
    this.tasks.push({ tid, pid, comm, domain, prio });
    if (this.taskQueued.length < this.tasks.length) {
      const grown = new Uint8Array(this.tasks.length * 2);
      grown.set(this.taskQueued);
      this.taskQueued = grown;
    }
    return this.tasks.length - 1;
  }

  irqNumber(domain: number, name: string): number {
    const d = this.domain(domain);
    let n = d.irqs.get(name);
    if (n === undefined) {
      n = d.nextIrq++;
      d.irqs.set(name, n);
    }
    return n;
  }

  /** Where queue `queue` of a device lives: its home vCPU, and where its IRQs land under the policy. */
  homeCpu(domain: number, queue: number, offset = 0): VCpu {
    const d = this.domain(domain);
    return d.vcpus[(queue + offset) % d.vcpus.length];
  }

  irqCpu(domain: number, queue: number, offset = 0): VCpu {
    const d = this.domain(domain);
    return d.irq === 'vcpu0' ? d.vcpus[0] : this.homeCpu(domain, queue, offset);
  }

  /** A jittered cost (ns). */
  cost(ns: number): number {
    return this.jitter.cost(ns);
  }

  schedule(t: number, actor: Actor, arg: number): void {
    this.q.push(t, actor, arg);
  }

  at(t: number, fn: (t: number) => void): void {
    this.q.push(t, new Callback(fn), 0);
  }

  /**
   * An event-channel notification: the item runs on `cpu` once the upcall arrives. An item has
   * at most one notification in flight (its sender checks the item is armed), so the carrier
   * object is made once per item and reused.
   */
  deliver(cpu: VCpu, item: Item, t: number): void {
    let d = this.deliveries.get(item);
    if (d === undefined) {
      d = new Delivery(cpu, item);
      this.deliveries.set(item, d);
    }
    this.q.push(t + this.s.costs.notifyLatency, d, 0);
  }

  newSkb(): number {
    return this.skbSeq++;
  }

  stack(activity: Activity, kind: DomKind): number {
    return stackId(activity, kind);
  }
}
