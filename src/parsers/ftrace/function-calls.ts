import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';
import { ByteKeyMap } from '../input/byte-key-map.js';
import type { FtraceHead } from './event-line.js';

const KIND_FUNCTION = KIND_CODE.function;

/**
 * Function-tracer calls (`func <-parent`, trace-cmd `function: func <-- parent`) → `function`
 * rows: str0 = function, a0 = string id of the parent (NaN without print-parent). Symbol
 * offsets (`+0x0/0x60`) are dropped so one function aggregates. Each distinct call text is
 * resolved once; later sightings are one byte-keyed lookup.
 */
export class FunctionCalls {
  private readonly calls = new ByteKeyMap();
  private readonly func: number[] = [];
  private readonly parent: number[] = [];
  private readonly name: number;

  constructor(private readonly b: TraceBuilder) {
    this.name = b.pool.intern('function');
  }

  /** A row for the call scanned into h (name and parent ranges); returns the row. */
  row(buf: Buffer, h: FtraceHead, ts: number, cpu: number, utid: number): number {
    const hasParent = h.parentEnd > h.parentStart;
    const keyEnd = hasParent ? h.parentEnd : h.nameEnd;
    let call = this.calls.get(buf, h.nameStart, keyEnd);
    if (call < 0) {
      const pool = this.b.pool;
      call = this.func.length;
      this.func.push(pool.intern(symbol(buf.toString('utf8', h.nameStart, h.nameEnd))));
      this.parent.push(hasParent ? pool.intern(symbol(buf.toString('utf8', h.parentStart, h.parentEnd))) : NaN);
      this.calls.setLast(buf, h.nameStart, keyEnd, call);
    }
    const row = this.b.event(ts, cpu, utid, KIND_FUNCTION, this.name);
    const cols = this.b.events.adaptive;
    cols.str0.set(row, this.func[call]);
    cols.a0.set(row, this.parent[call]);
    return row;
  }
}

/** `do_nanosleep+0x0/0x60` → `do_nanosleep` (sym-offset option). */
function symbol(s: string): string {
  const plus = s.indexOf('+0x');
  return plus > 0 ? s.slice(0, plus) : s;
}
