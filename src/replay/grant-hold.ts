import type { TraceModel } from '../model/trace-model.js';
import { KIND_CODE } from '../model/schema.js';
import { timeOrder } from './order.js';

/*
 * The grant-table lock's hold, read from a host-wide capture with grant_table_op hypercalls
 * (xentrace PV_HYPERCALL_V2: a0 = 20, a1 = cmd, a2 = ops), for the IRQ-spread what-if. A guest
 * trace cannot give it: with the IRQs pinned, every netback TX backend copies on one vCPU, one
 * after another, and never waits for the lock. But backends that run on separate vCPUs (the RX
 * kthreads) do copy at once on the host the trace comes from, and their calls show what a copy
 * op waits for each other backend copying: the lock's hold per op.
 */

/** A pCPU whose calls take this many times the uncontended per-op time (median) waits for a lock. */
const CONTENDED = 1.5;
/** Fewest calls per contended pCPU, and in all, before a hold is read. */
const MIN_CALLS = 50;
const GRANT_TABLE_OP = 20;
const GNTTABOP_COPY = 5;

export interface GrantHold {
  /** Per op, uncontended: the median of the pCPUs whose calls never wait (their page copy and exit path). */
  uncontendedNs: number;
  /** Extra time per op per other backend inside a copy call when the call begins (through the origin). */
  holdNs: number;
  calls: number;
  /** Calls the hold was read from (on pCPUs that wait), and the mean number of others copying as they began. */
  contendedCalls: number;
  meanOthers: number;
  /** pCPUs whose calls wait / never wait. */
  contendedCpus: number[];
  uncontendedCpus: number[];
}

interface Call {
  t: number;
  dur: number;
  cpu: number;
  ops: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[s.length >> 1];
};

/** Grant-copy hypercalls, each timed to the next record on its pCPU (xentrace has no exit records). */
function copyCalls(model: TraceModel): Call[] {
  const e = model.events;
  const order = timeOrder(e.tsNs);
  const open = new Map<number, Call>();
  const out: Call[] = [];
  const hc = KIND_CODE.hypercall;
  for (let j = 0; j < e.kind.length; j++) {
    const i = order === null ? j : order[j];
    const cpu = e.cpu[i];
    if (cpu < 0) continue;
    const t = e.tsNs[i];
    const o = open.get(cpu);
    if (o !== undefined) {
      o.dur = t - o.t;
      open.delete(cpu);
      out.push(o);
    }
    if (e.kind[i] === hc && e.a0[i] === GRANT_TABLE_OP && e.a1[i] === GNTTABOP_COPY && e.a2[i] > 0) open.set(cpu, { t, dur: NaN, cpu, ops: e.a2[i] });
  }
  return out.sort((a, b) => a.t - b.t || a.cpu - b.cpu);
}

/**
 * The hold per op, or why it cannot be read. pCPUs split into those whose calls wait (median
 * per-op time ≥ CONTENDED × the lowest pCPU's) and those that never do (their backends copy
 * alone, or against a lock nobody else takes); the latter give the uncontended per-op time.
 * Each waiting call's extra per-op time is put down to the other waiting pCPUs inside a copy
 * call as it began — Xen serves the lock's waiters one hold each — and the hold is the sum of
 * the extras over the sum of those counts (least squares through the origin would weight the
 * busiest calls; every call counts once here).
 */
export function grantHold(model: TraceModel): GrantHold | string {
  const calls = copyCalls(model);
  if (calls.length < MIN_CALLS) return `${calls.length} grant-copy hypercalls (grant_table_op cmd 5) in the trace, ${MIN_CALLS} needed: capture the host with xentrace -D -e 0x0020f000 (PV hypercalls)`;
  const byCpu = new Map<number, Call[]>();
  for (const c of calls) (byCpu.get(c.cpu) ?? byCpu.set(c.cpu, []).get(c.cpu) as Call[]).push(c);
  const perOp = new Map([...byCpu].map(([cpu, cs]) => [cpu, median(cs.map((c) => c.dur / c.ops))] as const));
  const lowest = Math.min(...perOp.values());
  const waiting = new Set([...perOp].filter(([cpu, v]) => v >= CONTENDED * lowest && (byCpu.get(cpu)?.length ?? 0) >= MIN_CALLS).map(([cpu]) => cpu));
  const alone = [...perOp.keys()].filter((cpu) => !waiting.has(cpu) && perOp.get(cpu) as number < CONTENDED * lowest);
  const uncontendedNs = median(alone.flatMap((cpu) => (byCpu.get(cpu) as Call[]).map((c) => c.dur / c.ops)));
  if (alone.length === 0) return 'every pCPU\'s grant copies wait for a lock: no uncontended copy to measure the wait against';
  if (waiting.size < 2) return `no two pCPUs' grant copies wait for a lock in the trace (${waiting.size} do): the lock's hold is not seen; capture a host where backends on separate vCPUs copy at once`;
  let extra = 0;
  let others = 0;
  let n = 0;
  const contended = calls.filter((c) => waiting.has(c.cpu));
  // Calls on one pCPU never overlap, so the others copying when a call begins are the pCPUs
  // whose latest call (in start order) has not ended yet.
  const latestEnd = new Map<number, number>();
  for (const c of contended) {
    let k = 0;
    for (const [cpu, end] of latestEnd) if (cpu !== c.cpu && end > c.t) k++;
    latestEnd.set(c.cpu, c.t + c.dur);
    extra += c.dur / c.ops - uncontendedNs;
    others += k;
    n++;
  }
  if (others === 0) return 'the grant copies that wait never began while another pCPU was copying: no hold to read';
  return {
    uncontendedNs,
    holdNs: extra / others,
    calls: calls.length,
    contendedCalls: n,
    meanOthers: others / n,
    contendedCpus: [...waiting].sort((a, b) => a - b),
    uncontendedCpus: alone.sort((a, b) => a - b),
  };
}
