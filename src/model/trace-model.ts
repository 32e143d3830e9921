import type { Columns } from './columns.js';
import type { DiagnosticSummary, TraceMeta } from './schema.js';
import { EVENT_COLUMNS, FRAME_COLUMNS, KINDS, SAMPLE_COLUMNS, STACK_COLUMNS } from './schema.js';
import type { ThreadRow } from './threads.js';

export type EventColumns = Columns<typeof EVENT_COLUMNS>;
export type SampleColumns = Columns<typeof SAMPLE_COLUMNS>;
export type StackColumns = Columns<typeof STACK_COLUMNS>;
export type FrameColumns = Columns<typeof FRAME_COLUMNS>;

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
