import type { Columns } from './columns.js';
import type { DiagnosticSummary, TraceMeta } from './schema.js';
import { EVENT_COLUMNS, FRAME_COLUMNS, KINDS, SAMPLE_COLUMNS, STACK_COLUMNS } from './schema.js';
import type { ThreadRow } from './threads.js';

export type EventColumns = Columns<typeof EVENT_COLUMNS>;
export type SampleColumns = Columns<typeof SAMPLE_COLUMNS>;
export type StackColumns = Columns<typeof STACK_COLUMNS>;
export type FrameColumns = Columns<typeof FRAME_COLUMNS>;

/**
 * What the builder counted while rows were written, so a consumer needs no pass over every
 * event for it (on a 15.6 M-row xentrace file that pass costs ~180 ms).
 */
export interface EventStats {
  /** Rows per kind code (index into KINDS). */
  kindCounts: Float64Array;
  /** Rows per CPU, at index cpu + 1 (slot 0: rows whose format printed no CPU); length maxCpu + 2. */
  cpuCounts: Float64Array;
  /** Highest CPU of any event row; -1 when none has one. */
  maxCpu: number;
  /** Earliest and latest event time (after the rebase); Infinity / -Infinity when no event has one. */
  startNs: number;
  endNs: number;
}

/** A finished, read-only trace: what parsers produce and everything downstream reads. */
export class TraceModel {
  constructor(
    readonly meta: TraceMeta,
    readonly strings: readonly string[],
    readonly events: EventColumns,
    readonly samples: SampleColumns,
    readonly stacks: StackColumns,
    readonly frames: FrameColumns,
    readonly threads: readonly ThreadRow[],
    readonly diagnostics: readonly DiagnosticSummary[],
    readonly eventStats: EventStats,
  ) {}

  get eventCount(): number {
    return this.events.tsNs.length;
  }

  get sampleCount(): number {
    return this.samples.tsNs.length;
  }

  str(id: number): string {
    return id < 0 ? '' : this.strings[id];
  }

  kindName(code: number): string {
    return KINDS[code];
  }

  /** Function names of a stack, leaf first. */
  stackFuncs(stack: number): string[] {
    const out: string[] = [];
    for (let s = stack; s >= 0; s = this.stacks.parent[s]) {
      out.push(this.strings[this.frames.func[this.stacks.frame[s]]]);
    }
    return out;
  }
}
