import type { TraceBuilder } from '../../model/builder.js';

/**
 * The report header above the tables (FORMATS.md §4.2): `CPU: …, speed … MHz (estimated)`, one
 * `Counted EVENT events (…) with a unit mask of 0x.. (…) count N` line per event, and, when
 * profiles are split, one line per class (libpp/arrange_profiles.cpp: `Processes with a thread
 * group ID of N`, `Processes with a thread ID of N`, `Samples on CPU N`, `Samples matching a unit
 * mask of M`; split by event, each class is its own `Counted` line). opreport splits on one axis
 * only, which is what lets column k be matched to the k-th class line.
 */

const CPU = /^CPU: (.*\S)\s*$/;
const COUNTED = /^Counted (\S+) events \((.*)\) with a unit mask of (0x[0-9a-fA-F]+)(?: \((.*)\))? count (\d+)\s*$/;
const COUNTED_START = /^Counted \S+ events /;
const TIMER = /^Profiling through timer interrupt\s*$/;
const CLASS_LINES: [RegExp, ClassAxis][] = [
  [/^Processes with a thread group ID of (\d+)\s*$/, 'tgid'],
  [/^Processes with a thread ID of (\d+)\s*$/, 'tid'],
  [/^Samples on CPU (\d+)\s*$/, 'cpu'],
  [/^Samples matching a unit mask of (\S+)\s*$/, 'unitmask'],
];
/** Books and mails wrap long `Counted` lines; give up joining after this many continuations. */
const MAX_WRAPPED = 2;

type ClassAxis = 'tgid' | 'tid' | 'cpu' | 'unitmask';

/** What a column class of a table means, resolved against the header. */
export interface ProfileClass {
  /** String id of the event name (`CPU_CLK_UNHALTED`, `LLC_MISSES`, `timer`, …). */
  event: number;
  cpu: number;
  utid: number;
}

export class ReportHeader {
  private events: string[] = [];
  private classLines: { axis: ClassAxis; value: string }[] = [];
  private timer = false;
  private pending: { text: string; lineNo: number; parts: number } | null = null;

  constructor(private readonly b: TraceBuilder) {}

  get wrapping(): boolean {
    return this.pending !== null;
  }

  /** Consume a header line (or the continuation of a wrapped one); false when the line is not one. */
  line(text: string, lineNo: number): boolean {
    if (this.pending !== null && this.continueCounted(text, lineNo)) return true;
    const cpu = CPU.exec(text);
    if (cpu !== null) {
      // A CPU line starts a report: the events and classes of an earlier one no longer apply.
      this.events = [];
      this.classLines = [];
      this.timer = false;
      this.record('CPU', cpu[1]);
      return true;
    }
    if (COUNTED_START.test(text)) {
      this.pending = { text: text.trimEnd(), lineNo, parts: 0 };
      this.continueCounted(null, lineNo);
      return true;
    }
    if (TIMER.test(text)) {
      this.timer = true;
      this.record('profiling', 'timer interrupt');
      return true;
    }
    for (const [re, axis] of CLASS_LINES) {
      const m = re.exec(text);
      if (m === null) continue;
      this.classLines.push({ axis, value: m[1] });
      this.record(`class ${this.classLines.length}`, text.trim());
      return true;
    }
    return false;
  }

  /** A `Counted` line in progress: join the next line until it ends with `count N`. */
  private continueCounted(next: string | null, lineNo: number): boolean {
    const p = this.pending as { text: string; lineNo: number; parts: number };
    if (next !== null) {
      if (next.trim() === '' || /^(CPU:|Counted |samples|vma)/.test(next.trimStart()) || p.parts >= MAX_WRAPPED) {
        this.pending = null;
        this.b.diagnostics.report('xenoprof/bad-header', 'warning', '`Counted` header line does not end with `count N` (event kept unnamed)', {
          line: p.lineNo,
          excerpt: p.text,
        });
        return false; // the caller handles `next` as a line of its own
      }
      p.text = `${p.text} ${next.trim()}`;
      p.parts++;
    }
    const m = COUNTED.exec(p.text);
    if (m === null) return true;
    this.pending = null;
    this.events.push(m[1]);
    this.record(`Counted ${m[1]}`, p.text.slice('Counted '.length));
    if (p.parts > 0) {
      this.b.diagnostics.report('xenoprof/wrapped-header', 'info', 'a `Counted` header line was wrapped over several lines (joined)', {
        line: lineNo,
        excerpt: p.text,
      });
    }
    return true;
  }

  /** Give up a `Counted` line still waiting for its end (end of input). */
  flush(): void {
    if (this.pending !== null) this.continueCounted('', this.pending.lineNo);
  }

  /**
   * The classes of a table with `n` sample columns. `titles` are an image summary's truncated
   * event names (`CPU_CLK_UNHALT...`), used only when no `Counted` line names the events.
   */
  classes(n: number, titles: string[], lineNo: number): ProfileClass[] {
    const perEvent = this.events.length === n && n > 1;
    const names: string[] = [];
    for (let k = 0; k < n; k++) {
      if (perEvent) names.push(this.events[k]);
      else if (this.events.length > 0) names.push(this.events[0]);
      else if (this.timer) names.push('timer');
      else if (titles[k] !== undefined) names.push(titles[k].replace(/\.\.\.$/, ''));
      else names.push(n === 1 ? 'unknown' : `unknown#${k + 1}`);
    }
    if (this.events.length === 0 && !this.timer) {
      this.b.diagnostics.report('xenoprof/no-event', 'info', 'no `Counted …` header line before this table: its event names are not known', {
        line: lineNo,
      });
    }
    const describedAxis = this.classLines.length === n;
    if ((this.events.length > 1 && !perEvent) || (this.classLines.length > 0 && !describedAxis)) {
      this.b.diagnostics.report(
        'xenoprof/class-mismatch',
        'info',
        `table has ${n} sample column(s) but the header describes ${this.events.length} event(s) and ${this.classLines.length} class(es)`,
        { line: lineNo },
      );
    }
    return names.map((name, k) => {
      const cls: ProfileClass = { event: this.b.pool.intern(name), cpu: -1, utid: -1 };
      const line = describedAxis ? this.classLines[k] : undefined;
      if (line?.axis === 'cpu') cls.cpu = Number(line.value);
      // A thread group is named by its leader, whose tid equals the tgid.
      if (line?.axis === 'tid') cls.utid = this.b.threads.utid(Number(line.value), -1, '');
      if (line?.axis === 'tgid') cls.utid = this.b.threads.utid(Number(line.value), Number(line.value), '');
      return cls;
    });
  }

  private record(key: string, value: string): void {
    const h = this.b.meta.header;
    if (h[key] === undefined || h[key] === value) {
      h[key] = value;
      return;
    }
    // Several reports in one file (a pasted manual): keep every header, numbered.
    let n = 2;
    while (h[`${key} #${n}`] !== undefined && h[`${key} #${n}`] !== value) n++;
    h[`${key} #${n}`] = value;
  }
}
