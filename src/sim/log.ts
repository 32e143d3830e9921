/**
 * What a run leaves behind for the writers: one stream per (global) vCPU of trace events
 * and busy segments, in typed arrays. A vCPU executes one work item at a time and an item
 * only emits on its own vCPU, at times inside the item, so every stream is already in time
 * order: writers merge streams, they never sort.
 */
import type { ColumnSpec } from '../model/columns.js';
import { ColumnSet } from '../model/columns.js';
import { StringPool } from '../model/string-pool.js';

/** Sim event kinds. Below 32: what the guest kernel's tracepoints see; from 32: hypervisor records. */
export const EV = {
  IRQ_ENTRY: 0, // a irq, b name id
  IRQ_EXIT: 1, // a irq
  SOFTIRQ_RAISE: 2, // a vec
  SOFTIRQ_ENTRY: 3,
  SOFTIRQ_EXIT: 4,
  SYS_ENTER: 5, // a nr, b fd, c count
  SYS_EXIT: 6, // a nr, b ret
  TLB_FLUSH: 7, // a pages, b reason
  NET_QUEUE: 8, // a dev id, b skb, c len
  QDISC_DEQ: 9, // a dev id, b queue, c txq_state, d skb (-1 none)
  START_XMIT: 10, // a dev id, b queue, c skb, d len
  XMIT: 11, // a dev id, b skb, c len, d rc
  CONSUME_SKB: 12, // a skb, b location name id
  NAPI_POLL: 13, // a dev id, b queue, c work, d budget
  SCHED_SWITCH: 14, // a prev task, b prev state (0 R, 1 S), c next task
  SCHED_WAKEUP: 15, // a task, b target vcpu (domain-local)
  X_HYPERCALL: 32, // a op, b arg0, c arg1, d number of args
  X_BLOCK: 33, // the vCPU blocks (idle): a domain, b vcpu
  X_WAKE: 34, // the vCPU is woken: a domain, b vcpu
  X_UPCALL: 35, // an event-channel upcall is delivered to a running vCPU: a vector
} as const;

export const GUEST_LAYER_END = 32;


export interface Task {
  tid: number;
  pid: number;
  comm: string;
  domain: number;
  prio: number;
}

const EVENT_COLUMNS = {
  t: Float64Array,
  kind: Uint8Array,
  task: Int32Array,
  stack: Int16Array,
  a: Int32Array,
  b: Int32Array,
  c: Int32Array,
  d: Int32Array,
} as const;

/** A per-vCPU table on the model's ColumnSet storage: rows [0, n) are valid. */
abstract class LogTable<S extends ColumnSpec> {
  protected readonly set: ColumnSet<S>;
  constructor(spec: S, capacity: number) {
    this.set = new ColumnSet(spec, capacity);
  }
  get n(): number {
    return this.set.length;
  }
  push(): number {
    return this.set.push();
  }
  truncate(n: number): void {
    this.set.truncate(n);
  }
}

/** One vCPU's trace events. */
class Columns extends LogTable<typeof EVENT_COLUMNS> {
  constructor() {
    super(EVENT_COLUMNS, 1024);
  }
  get t() {
    return this.set.fixed.t;
  }
  get kind() {
    return this.set.fixed.kind;
  }
  get task() {
    return this.set.fixed.task;
  }
  get stack() {
    return this.set.fixed.stack;
  }
  get a() {
    return this.set.fixed.a;
  }
  get b() {
    return this.set.fixed.b;
  }
  get c() {
    return this.set.fixed.c;
  }
  get d() {
    return this.set.fixed.d;
  }
}

const SEGMENT_COLUMNS = { start: Float64Array, end: Float64Array, stack: Int16Array, task: Int32Array } as const;

/** Busy time on one vCPU: [start, end) running `stack` (a catalogue id) on behalf of `task`. */
class Segments extends LogTable<typeof SEGMENT_COLUMNS> {
  constructor() {
    super(SEGMENT_COLUMNS, 256);
  }
  get start() {
    return this.set.fixed.start;
  }
  get end() {
    return this.set.fixed.end;
  }
  get stack() {
    return this.set.fixed.stack;
  }
  get task() {
    return this.set.fixed.task;
  }
}

/** Which parts of a vCPU's activity to keep: a writer needs only what its format shows. */
export interface LogParts {
  /** Guest-kernel events (tracepoints). */
  guest: boolean;
  /** Hypervisor records. */
  xen: boolean;
  /** Busy segments (profile samples). */
  segments: boolean;
}

export class CpuLog {
  readonly ev = new Columns();
  readonly seg = new Segments();
  constructor(readonly parts: LogParts) {}

  emit(t: number, kind: number, task: number, stack: number, a = 0, b = 0, c = 0, d = 0): void {
    if (kind < GUEST_LAYER_END ? !this.parts.guest : !this.parts.xen) return;
    const e = this.ev;
    const i = e.push();
    e.t[i] = t;
    e.kind[i] = kind;
    e.task[i] = task;
    e.stack[i] = stack;
    e.a[i] = a;
    e.b[i] = b;
    e.c[i] = c;
    e.d[i] = d;
  }

  busy(start: number, end: number, stack: number, task: number): void {
    if (!this.parts.segments || end <= start) return;
    const s = this.seg;
    // Adjacent segments of the same work merge, which keeps long runs compact.
    if (s.n > 0 && s.end[s.n - 1] === start && s.stack[s.n - 1] === stack && s.task[s.n - 1] === task) {
      s.end[s.n - 1] = end;
      return;
    }
    const i = s.push();
    s.start[i] = start;
    s.end[i] = end;
    s.stack[i] = stack;
    s.task[i] = task;
  }
}

/** Interned strings (IRQ names, device names, code locations) referred to by event args. */
export class Names extends StringPool {
  id(s: string): number {
    return this.intern(s);
  }
  get list(): readonly string[] {
    return this.strings;
  }
}
