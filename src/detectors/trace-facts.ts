import { KINDS } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';

/**
 * Facts every detector needs, computed in one pass per model and shared: how many events
 * of each kind (to decide "skipped" without scanning), the time span (rates and fractions),
 * the CPU count (a pinned IRQ only matters when there are other CPUs), lost records.
 */
export interface TraceFacts {
  format: string;
  /** Events per kind name; kinds other engineers add later are counted too. */
  kindCounts: Readonly<Record<string, number>>;
  sampleCount: number;
  /**
   * Profiles of several events (opreport LLC_MISSES beside CPU_CLK_UNHALTED) cannot share one
   * denominator: sample detectors use only `sampleEvent` (the event with the most weight; -1 when
   * every sample has the same event), and `sampleWeight` is that event's total.
   */
  sampleEvent: number;
  sampleWeight: number;
  /** Samples whose stack has more than one frame (a callchain, not a flat profile row). */
  samplesWithCallchain: number;
  startNs: number;
  endNs: number;
  /** endNs - startNs; 0 when the trace has no timestamps. */
  durationNs: number;
  hasTime: boolean;
  /** CPUs: header count, else highest CPU seen + 1. */
  cpus: number;
  lostRecords: number;
}

/** Facts per model, made once: the detectors and the HTML report both ask (a pass over every event). */
const memo = new WeakMap<TraceModel, TraceFacts>();

export function traceFacts(model: TraceModel): TraceFacts {
  let facts = memo.get(model);
  if (facts === undefined) memo.set(model, (facts = computeFacts(model)));
  return facts;
}

function computeFacts(model: TraceModel): TraceFacts {
  const e = model.events;
  // The builder counted the event rows as they were written: no pass over them here.
  const stats = model.eventStats;
  const counts = stats.kindCounts;
  let start = stats.startNs;
  let end = stats.endNs;
  let maxCpu = stats.maxCpu;
  const s = model.samples;
  const byEvent = new Map<number, number>();
  let withChain = 0;
  for (let i = 0; i < s.tsNs.length; i++) {
    byEvent.set(s.event[i], (byEvent.get(s.event[i]) ?? 0) + s.weight[i]);
    const t = s.tsNs[i];
    if (t < start) start = t;
    if (t > end) end = t;
    if (s.cpu[i] > maxCpu) maxCpu = s.cpu[i];
    const st = s.stack[i];
    if (st >= 0 && model.stacks.parent[st] >= 0) withChain++;
  }
  const kindCounts: Record<string, number> = {};
  for (let k = 0; k < KINDS.length; k++) if (counts[k] > 0) kindCounts[KINDS[k]] = counts[k];
  const lostCode = KINDS.indexOf('lost');
  let lost = 0;
  if (counts[lostCode] > 0) {
    for (let i = 0; i < e.kind.length; i++) if (e.kind[i] === lostCode && Number.isFinite(e.a0[i])) lost += e.a0[i];
  }
  const hasTime = end > start;
  const events = [...byEvent.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return {
    format: model.meta.format,
    kindCounts,
    sampleCount: s.tsNs.length,
    sampleEvent: events.length > 1 ? events[0][0] : -1,
    sampleWeight: events.length > 0 ? events[0][1] : 0,
    samplesWithCallchain: withChain,
    startNs: hasTime ? start : 0,
    endNs: hasTime ? end : 0,
    durationNs: hasTime ? end - start : 0,
    hasTime,
    cpus: model.meta.cpuCount ?? maxCpu + 1,
    lostRecords: lost,
  };
}

/** Whether sample `i` counts for the sample detectors (see TraceFacts.sampleEvent). */
export function countsSample(model: TraceModel, facts: TraceFacts, i: number): boolean {
  return facts.sampleEvent < 0 || model.samples.event[i] === facts.sampleEvent;
}

export function kindCount(facts: TraceFacts, kind: string): number {
  return facts.kindCounts[kind] ?? 0;
}

/** Kind code by name, or -1 for a kind this build of the model does not have (yet). */
export function kindCode(kind: string): number {
  return (KINDS as readonly string[]).indexOf(kind);
}
