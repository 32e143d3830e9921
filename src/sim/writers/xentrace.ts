import type { VCpu } from '../cpu.js';
import { EV, GUEST_LAYER_END } from '../log.js';
import { Prng } from '../prng.js';
import type { SimRun } from '../simulate.js';
import type { WriteResult, Writer } from './result.js';
import { bump } from './result.js';
import { FileSink } from './sink.js';

/** Record ids (xen/include/public/trace.h, FORMATS.md §3.5–3.7). */
const ID = {
  lost: 0x0001f001,
  cpuChange: 0x0001f003,
  runstate: 0x00021001, // | old << 8 | new << 4
  continueRunning: 0x00021002,
  wake: 0x00028004,
  switch: 0x0002800a,
  vmentry: 0x00081001,
  vmexit64: 0x00081102,
  injVirq: 0x00082004,
  intr: 0x0008200f,
  vmmcall: 0x00082012,
  hlt: 0x00082013,
  pvHypercall: 0x0020100d,
} as const;
/** The model kind each record decodes to (model/schema.ts, the xentrace section). */
const KINDS: Record<number, string> = {
  [ID.lost]: 'lost', [ID.wake]: 'sched_other', [ID.continueRunning]: 'sched_other', [ID.switch]: 'vcpu_switch', [ID.vmentry]: 'vmentry',
  [ID.vmexit64]: 'vmexit', [ID.injVirq]: 'irq_entry', [ID.intr]: 'irq_vector_entry', [ID.vmmcall]: 'hypercall', [ID.hlt]: 'hvm_handler',
};
/** The grant_table_op hypercall number. */
const GRANT_TABLE_OP = 20;
/** Xen's scheduler accounting tick: every pCPU logs at least this often. */
const TICK_NS = 10_000_000;
const RUNNING = 0;
const RUNNABLE = 1;
const BLOCKED = 2;
const IDLE_DOMAIN = 0x7fff;
const EXIT_EXTERNAL_INTERRUPT = 1;
const EXIT_HLT = 12;
const EXIT_VMCALL = 18;
/** Spacing of the records one model event expands to, in TSC cycles. */
const STEP = 64;
/** How long a buffer overrun lasts when lost records are simulated. */
const LOSS_NS = 200_000;
const TSC_BASE = 20_000_000_000_000;

/** One pCPU's records: 32-bit words, plus where each record starts and its time. */
class PcpuRecords {
  words = new Uint32Array(4096);
  n = 0;
  starts: number[] = [];
  times: number[] = [];
  lastTsc = 0;
  constructor(readonly pcpu: number) {}
  record(id: number, t: number, tsc: number | null, extra: number[]): void {
    const need = 3 + extra.length;
    if (this.n + need > this.words.length) {
      const w = new Uint32Array(this.words.length * 2);
      w.set(this.words);
      this.words = w;
    }
    this.starts.push(this.n);
    this.times.push(t);
    this.words[this.n++] = (id | (extra.length << 28) | (tsc === null ? 0 : 0x80000000)) >>> 0;
    if (tsc !== null) {
      this.words[this.n++] = tsc % 0x100000000;
      this.words[this.n++] = Math.floor(tsc / 0x100000000);
    }
    for (const x of extra) this.words[this.n++] = x >>> 0;
  }
}

/**
 * The xentrace binary (FORMATS.md §3): no header; windows of one pCPU's records, each after a
 * cpu_change record, written pCPU by pCPU at every poll (`xentrace -s`, here
 * `xentrace.pollMs`), with TSCs at `host.cpuMhz`. Scheduler, PV hypercall (grant copy, iret,
 * event-channel send, sched_op block) and HVM exit/entry records; optionally buffer overruns
 * (`xentrace.lostEveryMs`) that drop records and leave TRC_LOST_RECORDS in their place.
 */
export const xentraceWriter: Writer = {
  id: 'xentrace',
  write(run, path) {
    const hz = run.scenario.host.cpuMhz * 1e6;
    const tscOf = (t: number) => TSC_BASE + Math.round((t * hz) / 1e9);
    const result: WriteResult = { format: 'xentrace', path, bytes: 0, records: 0, byKind: {}, firstNs: NaN, lastNs: NaN, meta: { cpu_hz: hz } };
    const pcpus = run.cpus.map((cpu) => encode(run, cpu, tscOf, result));
    const sink = new FileSink(path);
    const poll = run.scenario.xentrace.pollMs * 1e6;
    const cursor = pcpus.map(() => 0);
    const header = new Uint32Array(3);
    for (let end = poll; cursor.some((c, i) => c < pcpus[i].times.length); end += poll) {
      for (const p of pcpus) {
        const from = cursor[p.pcpu];
        let to = from;
        while (to < p.times.length && p.times[to] < end) to++;
        if (to === from) continue;
        cursor[p.pcpu] = to;
        const a = p.starts[from];
        const b = to < p.starts.length ? p.starts[to] : p.n;
        header[0] = (ID.cpuChange | (2 << 28)) >>> 0;
        header[1] = p.pcpu;
        header[2] = (b - a) * 4;
        sink.binary(new Uint8Array(header.buffer.slice(0)));
        sink.binary(new Uint8Array(p.words.buffer, a * 4, (b - a) * 4));
      }
    }
    sink.close();
    result.bytes = sink.bytes;
    return result;
  },
};

function encode(run: SimRun, cpu: VCpu, tscOf: (t: number) => number, result: WriteResult): PcpuRecords {
  const out = new PcpuRecords(cpu.gid);
  const hvm = cpu.kind === 1;
  const ev = cpu.log.ev;
  const lostEvery = run.scenario.xentrace.lostEveryMs * 1e6;
  const rng = new Prng(run.seed, 3000 + cpu.gid);
  let lossStart = lostEvery > 0 ? lostEvery / 2 + rng.int(lostEvery / 4) : Infinity;
  let lost = 0;
  let lostFirstTsc = 0;
  let group = 0;
  let t = 0;
  const rec = (id: number, withTsc: boolean, extra: number[]) => {
    let tsc: number | null = null;
    if (withTsc) {
      tsc = Math.max(tscOf(t) + group * STEP, out.lastTsc);
      out.lastTsc = tsc;
    }
    group++;
    out.record(id, t, tsc, extra);
    bump(result.byKind, id === ID.pvHypercall ? (extra[0] === 23 ? 'syscall_exit' : 'hypercall') : (KINDS[id] ?? 'runstate'));
    if (result.records++ === 0 || t < result.firstNs) result.firstNs = t;
    if (!(t <= result.lastNs)) result.lastNs = t;
  };
  const vmexit = (reason: number, rip: number) => rec(ID.vmexit64, true, [reason, rip >>> 0, 0xffffffff]);
  const runstate = (from: number, to: number) => rec(ID.runstate | (from << 8) | (to << 4), true, [cpu.index | (cpu.domain << 16)]);
  // Xen runs softirqs (the scheduler tick) only on its way back to the guest, never inside a
  // hypercall: a tick due during a grant copy (the one hypercall the model spends time in; it
  // lasts until the pCPU's next record) is logged with that record, not in the middle.
  let inHypercall = false;
  const hypercall = (op: number, args: number[]) => {
    if (hvm) {
      vmexit(EXIT_VMCALL, 0x8100139a);
      rec(ID.vmmcall, false, [op]);
      rec(ID.vmentry, true, []);
      return;
    }
    let w0 = op;
    args.forEach((_a, i) => (w0 |= 1 << (20 + 2 * i)));
    rec(ID.pvHypercall, true, [w0, ...args]);
  };
  let running = false;
  let nextTick = 0;
  const ticks = (until: number) => {
    for (; nextTick <= until; nextTick += TICK_NS) {
      t = inHypercall ? until : nextTick;
      group = 0;
      rec(ID.continueRunning, true, [running ? cpu.index | (cpu.domain << 16) : cpu.gid | (IDLE_DOMAIN << 16)]);
    }
  };
  for (let i = 0; i < ev.n; i++) {
    const kind = ev.kind[i];
    if (kind < GUEST_LAYER_END) continue;
    ticks(ev.t[i]);
    t = ev.t[i];
    while (t >= lossStart + LOSS_NS) lossStart += lostEvery;
    if (t >= lossStart) {
      // The per-pCPU buffer is full: Xen counts what it cannot log (one per model event, roughly).
      if (lost === 0) lostFirstTsc = Math.max(tscOf(t), out.lastTsc);
      lost++;
      continue;
    }
    if (lost > 0) {
      // Logged late, before the first record that fits again; the gap began at first_tsc.
      group = 0;
      rec(ID.lost, true, [lost, cpu.domain | (cpu.index << 16), lostFirstTsc % 0x100000000, Math.floor(lostFirstTsc / 0x100000000)]);
      lost = 0;
    }
    group = 0;
    inHypercall = false;
    const a = ev.a[i];
    const b = ev.b[i];
    switch (kind) {
      case EV.X_HYPERCALL:
        hypercall(a, ev.d[i] === 2 ? [b, ev.c[i]] : []);
        inHypercall = !hvm && a === GRANT_TABLE_OP;
        break;
      case EV.X_BLOCK:
        running = false;
        if (hvm) {
          vmexit(EXIT_HLT, 0x8106b2b6);
          rec(ID.hlt, false, [0]);
        } else hypercall(29, [1]);
        runstate(RUNNING, BLOCKED);
        rec(ID.switch, true, [cpu.domain, cpu.index, IDLE_DOMAIN, cpu.gid]);
        break;
      case EV.X_WAKE:
        running = true;
        rec(ID.wake, true, [cpu.domain, cpu.index]);
        runstate(BLOCKED, RUNNABLE);
        rec(ID.switch, true, [IDLE_DOMAIN, cpu.gid, cpu.domain, cpu.index]);
        runstate(RUNNABLE, RUNNING);
        if (hvm) {
          rec(ID.injVirq, false, [0xf3, 0]);
          rec(ID.vmentry, true, []);
        }
        break;
      case EV.X_UPCALL:
        if (!hvm) break;
        vmexit(EXIT_EXTERNAL_INTERRUPT, 0x81a1c5e0);
        rec(ID.intr, false, [0xf2]);
        rec(ID.injVirq, false, [a, 0]);
        rec(ID.vmentry, true, []);
        break;
    }
  }
  ticks(run.endNs);
  return out;
}
