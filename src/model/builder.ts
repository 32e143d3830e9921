import { ColumnSet } from './columns.js';
import { Diagnostics } from './diagnostics.js';
import type { TraceMeta } from './schema.js';
import { EVENT_COLUMNS, SAMPLE_COLUMNS } from './schema.js';
import { StackTable } from './stacks.js';
import { StringPool } from './string-pool.js';
import { ThreadTable } from './threads.js';
import { TraceModel } from './trace-model.js';

const NS_PER_SEC = 1_000_000_000;

/**
 * Where parsers put what they decode. Columns are written in place (no per-row objects);
 * `finish()` rebases time so the earliest record is at 0 and freezes the model.
 *
 * Times arrive as integer seconds + integer nanoseconds: boot-relative ns exceed 2^53,
 * so the builder keeps the first second seen as a base and stores small offsets.
 */
export class TraceBuilder {
  readonly pool = new StringPool();
  readonly stacks = new StackTable();
  readonly threads = new ThreadTable();
  readonly events = new ColumnSet(EVENT_COLUMNS, 4096, { domain: -1, vcpu: -1, a0: NaN, a1: NaN, a2: NaN, a3: NaN, str0: -1, stack: -1 });
  readonly samples = new ColumnSet(SAMPLE_COLUMNS, 4096, { domain: -1 });
  readonly meta: TraceMeta;
  private baseSec = NaN;
  /** Rows per kind, per CPU (index cpu + 1) and the highest CPU, counted as rows are written (see EventStats). */
  private readonly kindCounts = new Float64Array(256);
  private cpuCounts = new Float64Array(64);
  private maxCpu = -1;
  /** Earliest and latest event time written (NaN times are neither), so finish() scans no rows for them. */
  private eventMin = Infinity;
  private eventMax = -Infinity;

  constructor(
    readonly diagnostics: Diagnostics,
    format: string,
    source: string,
  ) {
    this.meta = { format, source, sourceBytes: 0, t0Ns: null, cpuCount: null, clock: null, cpuHz: null, header: {} };
  }

  /** Seconds + ns → ns relative to the builder's base (exact for any realistic trace length). */
  time(sec: number, ns: number): number {
    if (this.baseSec !== this.baseSec) this.baseSec = sec;
    return (sec - this.baseSec) * NS_PER_SEC + ns;
  }

  /** Append an event row; its optional columns start at their "absent" value (see events' defaults). */
  event(tsNs: number, cpu: number, utid: number, kind: number, name: number): number {
    const i = this.events.push();
    const f = this.events.fixed;
    const a = this.events.adaptive;
    f.tsNs[i] = tsNs;
    if (tsNs < this.eventMin) this.eventMin = tsNs;
    if (tsNs > this.eventMax) this.eventMax = tsNs;
    f.kind[i] = kind;
    this.kindCounts[kind]++;
    if (cpu > this.maxCpu) this.growCpus(cpu);
    this.cpuCounts[cpu + 1]++;
    a.cpu.set(i, cpu);
    a.utid.set(i, utid);
    a.name.set(i, name);
    return i;
  }

  /**
   * Bulk writers (xentrace) fill event rows without `event()` and count them as they go (in the
   * loop that already holds each value): rows per kind code, per CPU (index cpu + 1), and the
   * earliest and latest time written.
   */
  countBulk(kinds: ArrayLike<number>, cpus: ArrayLike<number>, minNs: number, maxNs: number): void {
    for (let k = 0; k < kinds.length; k++) this.kindCounts[k] += kinds[k];
    for (let slot = 0; slot < cpus.length; slot++) {
      if (cpus[slot] === 0) continue;
      if (slot - 1 > this.maxCpu) this.growCpus(slot - 1);
      this.cpuCounts[slot] += cpus[slot];
    }
    if (minNs < this.eventMin) this.eventMin = minNs;
    if (maxNs > this.eventMax) this.eventMax = maxNs;
  }

  /** A CPU above any seen so far: room for its count (CPUs are small ids; -1 = unknown is slot 0). */
  private growCpus(cpu: number): void {
    this.maxCpu = cpu;
    if (cpu + 1 < this.cpuCounts.length) return;
    const grown = new Float64Array(Math.max(cpu + 2, this.cpuCounts.length * 2));
    grown.set(this.cpuCounts);
    this.cpuCounts = grown;
  }

  sample(tsNs: number, cpu: number, utid: number, weight: number, stack: number, event: number): number {
    const i = this.samples.push();
    const a = this.samples.adaptive;
    this.samples.fixed.tsNs[i] = tsNs;
    a.cpu.set(i, cpu);
    a.utid.set(i, utid);
    a.weight.set(i, weight);
    a.stack.set(i, stack);
    a.event.set(i, event);
    return i;
  }

  finish(): TraceModel {
    const events = this.events.finish();
    const samples = this.samples.finish();
    const eventMin = this.eventMin;
    const eventMax = this.eventMax;
    let min = eventMin;
    // Indexed loops: for…of over a typed array goes through the iterator (2–3% of a xentrace run).
    for (let i = 0; i < samples.tsNs.length; i++) if (samples.tsNs[i] < min) min = samples.tsNs[i];
    if (min !== Infinity) {
      if (min !== 0) {
        for (let i = 0; i < events.tsNs.length; i++) events.tsNs[i] -= min;
        for (let i = 0; i < samples.tsNs.length; i++) samples.tsNs[i] -= min;
      }
      this.meta.t0Ns = (BigInt(this.baseSec) * BigInt(NS_PER_SEC) + BigInt(min)).toString();
    }
    return new TraceModel(
      this.meta,
      this.pool.strings,
      events,
      samples,
      this.stacks.stacks.finish(),
      this.stacks.frames.finish(),
      this.threads.rows,
      this.diagnostics.summaries(),
      {
        kindCounts: this.kindCounts,
        cpuCounts: this.cpuCounts.slice(0, this.maxCpu + 2),
        maxCpu: this.maxCpu,
        startNs: min !== Infinity ? eventMin - min : eventMin,
        endNs: min !== Infinity ? eventMax - min : eventMax,
      },
    );
  }
}
