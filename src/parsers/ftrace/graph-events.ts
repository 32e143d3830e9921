import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';
import { ByteKeyMap } from '../input/byte-key-map.js';
import type { GraphLine } from './function-graph.js';
import { GRAPH_ENTRY, GRAPH_LEAF } from './function-graph.js';

const KIND_FUNCTION = KIND_CODE.function;

/**
 * function_graph lines → model rows. Entries and leaves become `function` events (str0 =
 * function, a1 = duration in ns once known). A `}` closes the innermost open entry of its
 * CPU and fills that entry's a1, so a call costs one row however it was printed. A `}` with
 * nothing open (the buffer started inside the call, or funcslower-style output that prints
 * only returns) becomes a row of its own when it names its function: its time is the printed
 * return time minus the duration, i.e. when the call began.
 */
export class GraphEvents {
  /** Open entry rows per CPU slot (slot 0 = no CPU column). */
  private readonly open: number[][] = [];
  /** The task on each CPU slot as told by the last context-switch line. */
  private readonly current: number[] = [];
  private readonly funcNames = new ByteKeyMap();
  readonly entryName: number;
  unmatchedReturns = 0;

  constructor(private readonly b: TraceBuilder) {
    this.entryName = b.pool.intern('funcgraph_entry');
  }

  taskOn(cpu: number): number {
    return this.current[cpu + 1] ?? -1;
  }

  setTask(cpu: number, utid: number): void {
    this.current[cpu + 1] = utid;
  }

  /** An entry or leaf line; returns its row. */
  call(buf: Buffer, g: GraphLine, ts: number, cpu: number, utid: number): number {
    const row = this.b.event(ts, cpu, utid, KIND_FUNCTION, this.entryName);
    const cols = this.b.events.adaptive;
    cols.str0.set(row, this.funcId(buf, g.nameStart, g.nameEnd));
    if (g.type === GRAPH_LEAF) cols.a1.set(row, g.durNs);
    else if (g.type === GRAPH_ENTRY) this.stackOf(cpu).push(row);
    return row;
  }

  /** A `}` line; returns the row it made (orphan return with a name) or -1. */
  ret(buf: Buffer, g: GraphLine, ts: number, cpu: number, utid: number): number {
    const open = this.stackOf(cpu);
    const cols = this.b.events.adaptive;
    const named = g.nameEnd > g.nameStart;
    const func = named ? this.funcId(buf, g.nameStart, g.nameEnd) : -1;
    // `} /* f */` closes the innermost open f (entries above it lost their returns); a bare `}` the innermost entry.
    let depth = open.length - 1;
    if (named) while (depth >= 0 && cols.str0.get(open[depth]) !== func) depth--;
    if (depth >= 0) {
      cols.a1.set(open[depth], g.durNs);
      open.length = depth;
      return -1;
    }
    if (!named) {
      this.unmatchedReturns++;
      return -1;
    }
    const began = g.durNs === g.durNs ? ts - g.durNs : ts;
    const row = this.b.event(began, cpu, utid, KIND_FUNCTION, this.entryName);
    cols.str0.set(row, func);
    cols.a1.set(row, g.durNs);
    return row;
  }

  /** A new capture starts (header line): nothing stays open, no task is known. */
  reset(): void {
    this.open.length = 0;
    this.current.length = 0;
  }

  private stackOf(cpu: number): number[] {
    let s = this.open[cpu + 1];
    if (s === undefined) {
      s = [];
      this.open[cpu + 1] = s;
    }
    return s;
  }

  private funcId(buf: Buffer, s: number, e: number): number {
    let id = this.funcNames.get(buf, s, e);
    if (id < 0) {
      id = this.b.pool.intern(buf.toString('utf8', s, e));
      this.funcNames.setLast(buf, s, e, id);
    }
    return id;
  }
}
