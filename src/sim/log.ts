/**
 * What a run leaves behind for the writers: one stream per (global) vCPU of trace events
 * and busy segments, in typed arrays. A vCPU executes one work item at a time and an item
 * only emits on its own vCPU, at times inside the item, so every stream is already in time
 * order: writers merge streams, they never sort.
 */

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

/** A growable column set; `n` rows are valid. */
class Columns {
  n = 0;
  t: Float64Array;
  kind: Uint8Array;
  task: Int32Array;
  stack: Int16Array;
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
  d: Int32Array;
  constructor(cap: number) {
    this.t = new Float64Array(cap);
    this.kind = new Uint8Array(cap);
    this.task = new Int32Array(cap);
    this.stack = new Int16Array(cap);
    this.a = new Int32Array(cap);
    this.b = new Int32Array(cap);
    this.c = new Int32Array(cap);
    this.d = new Int32Array(cap);
  }
  grow(): void {
    const cap = this.t.length * 2;
    const g = <A extends Float64Array | Uint8Array | Int32Array | Int16Array>(x: A, make: (n: number) => A): A => {
      const y = make(cap);
      y.set(x);
      return y;
    };
    this.t = g(this.t, (n) => new Float64Array(n));
    this.kind = g(this.kind, (n) => new Uint8Array(n));
    this.task = g(this.task, (n) => new Int32Array(n));
    this.stack = g(this.stack, (n) => new Int16Array(n));
    this.a = g(this.a, (n) => new Int32Array(n));
    this.b = g(this.b, (n) => new Int32Array(n));
    this.c = g(this.c, (n) => new Int32Array(n));
    this.d = g(this.d, (n) => new Int32Array(n));
  }
}

/** Busy time on one vCPU: [start, end) running `stack` (a catalogue id) on behalf of `task`. */
class Segments {
  n = 0;
  start = new Float64Array(256);
  end = new Float64Array(256);
  stack = new Int16Array(256);
  task = new Int32Array(256);
  grow(): void {
    const cap = this.start.length * 2;
    const s = new Float64Array(cap);
    s.set(this.start);
    this.start = s;
    const e = new Float64Array(cap);
    e.set(this.end);
    this.end = e;
    const k = new Int16Array(cap);
    k.set(this.stack);
    this.stack = k;
    const t = new Int32Array(cap);
    t.set(this.task);
    this.task = t;
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
  readonly ev = new Columns(1024);
  readonly seg = new Segments();
  constructor(readonly parts: LogParts) {}

  emit(t: number, kind: number, task: number, stack: number, a = 0, b = 0, c = 0, d = 0): void {
    if (kind < GUEST_LAYER_END ? !this.parts.guest : !this.parts.xen) return;
    const e = this.ev;
    if (e.n === e.t.length) e.grow();
    const i = e.n++;
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
    if (s.n === s.start.length) s.grow();
    const i = s.n++;
    s.start[i] = start;
    s.end[i] = end;
    s.stack[i] = stack;
    s.task[i] = task;
  }
}

/** Interned strings (IRQ names, device names, code locations) referred to by event args. */
export class Names {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}
