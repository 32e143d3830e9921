import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';

/**
 * Data-loss markers in the body (FORMATS.md §2.6):
 *   tracefs    `CPU:1 [LOST 34 EVENTS]`   printed just before the first surviving entry of CPU 1
 *   trace-cmd  `CPU:1 [34 EVENTS DROPPED]`, `CPU:1 [EVENTS DROPPED]` (count unknown)
 * The gap is recorded as a `lost` event on that CPU at the next entry's time (a0 = count, NaN
 * when unknown), and a warning whose excerpt names the CPU, the count and the time range
 * between the last entry before the gap and the first one after it.
 */
const LOST_LINE = /^(?:\S+:\s+)?CPU:(\d+)\s+\[(?:LOST (\d+) EVENTS|(\d+) EVENTS DROPPED|EVENTS DROPPED)\]\s*$/;
const KIND_LOST = KIND_CODE.lost;

interface Pending {
  count: number;
  line: number;
  name: number;
}

export class LostEvents {
  private readonly pending: (Pending | undefined)[] = [];
  private pendingCount = 0;
  // Last entry per CPU, as printed (sec, ns) and as stored (ts), for the range and the end-of-trace case.
  private readonly lastSec: number[] = [];
  private readonly lastNs: number[] = [];
  private readonly lastTs: number[] = [];
  private readonly lostName: number;
  private readonly droppedName: number;
  counterClock = false;

  constructor(private readonly b: TraceBuilder) {
    this.lostName = b.pool.intern('lost_events');
    this.droppedName = b.pool.intern('events_dropped');
  }

  /** A `CPU:N [LOST M EVENTS]`-style line: remembered until CPU N's next entry. */
  marker(text: string, lineNo: number): boolean {
    const m = LOST_LINE.exec(text);
    if (m === null) return false;
    const cpu = Number(m[1]);
    const count = m[2] ?? m[3];
    const known = this.pending[cpu];
    const add = count === undefined ? NaN : Number(count);
    if (known !== undefined) known.count += add;
    else {
      this.pending[cpu] = { count: add, line: lineNo, name: m[2] !== undefined ? this.lostName : this.droppedName };
      this.pendingCount++;
    }
    return true;
  }

  /** Every entry passes here: it may close a pending gap on its CPU. */
  seen(cpu: number, sec: number, ns: number, ts: number): void {
    if (this.pendingCount > 0 && this.pending[cpu] !== undefined) this.resolve(cpu, sec, ns, ts, true);
    this.lastSec[cpu] = sec;
    this.lastNs[cpu] = ns;
    this.lastTs[cpu] = ts;
  }

  /** End of input: gaps with no later entry are placed at their CPU's last entry. */
  finish(): void {
    for (let cpu = 0; cpu < this.pending.length && this.pendingCount > 0; cpu++) {
      if (this.pending[cpu] !== undefined) this.resolve(cpu, NaN, NaN, this.lastTs[cpu] ?? NaN, false);
    }
  }

  private resolve(cpu: number, sec: number, ns: number, ts: number, hasNext: boolean): void {
    const p = this.pending[cpu] as Pending;
    this.pending[cpu] = undefined;
    this.pendingCount--;
    const row = this.b.event(ts, cpu, -1, KIND_LOST, p.name);
    this.b.events.adaptive.a0.set(row, p.count);
    const since = this.lastSec[cpu] !== undefined ? this.fmt(this.lastSec[cpu], this.lastNs[cpu]) : null;
    const until = hasNext ? this.fmt(sec, ns) : null;
    const what = p.count === p.count ? `${p.count} events` : 'an unknown number of events';
    const range =
      since !== null && until !== null ? `between ${since} and ${until}` : until !== null ? `before ${until}` : since !== null ? `after ${since} (no later entry)` : 'with no entry on that CPU';
    this.b.diagnostics.report('ftrace/lost-events', 'warning', 'the kernel dropped events (ring buffer overrun): data loss', {
      line: p.line,
      excerpt: `CPU ${cpu} lost ${what} ${range}`,
    });
  }

  private fmt(sec: number, ns: number): string {
    if (this.counterClock) return (BigInt(sec) * 1_000_000_000n + BigInt(ns)).toString();
    const frac = String(ns).padStart(9, '0');
    return `${sec}.${ns % 1000 === 0 ? frac.slice(0, 6) : frac}`;
  }
}
