import type { Diagnostics } from '../../model/diagnostics.js';
import { looksLikeRecord } from './event-line.js';
import { frameTextStart } from './stack-block.js';

const BUFFER_STARTED = /^#{3,}\s*CPU\s+\d+\s+buffer started\s*#*\s*$/;
const GRAPH_SHAPED = /^\s*(?:\d+\.\d+\s+\|\s+)?\d+\)\s.*\|/;
// `latency-format` option / irqsoff-style tracers: `stat_rea-96532    52d.... 45342us : func` (relative µs, no [cpu]).
const LATENCY_LINE = /^\s*\S.{0,15}-\d+\s+\d+[dDbX.]\S{3,5}\s+\d+us\s?\S?\s?:\s/;

/**
 * Lines that are no record. ftrace output is often pasted into prose (READMEs, mail, bug
 * reports): such lines are skipped but counted as info, never silently. A line that has the
 * shape of a record or of a function_graph line but does not scan is a malformed record
 * (truncated file, garbled copy): a located warning.
 */
export class StrayLines {
  constructor(private readonly diagnostics: Diagnostics) {}

  /** A `#` line that is no known header line. */
  comment(text: string, lineNo: number): void {
    if (BUFFER_STARTED.test(text)) {
      // Overwrite mode: this CPU's older pages were overwritten, so its data starts later than the others'.
      this.diagnostics.report('ftrace/buffer-started', 'info', "a CPU's buffer starts here: its earlier events were overwritten", { line: lineNo, excerpt: text });
      return;
    }
    this.prose(text, lineNo);
  }

  prose(text: string, lineNo: number): void {
    this.diagnostics.report('ftrace/non-trace-line', 'info', 'line is not ftrace output (prose or other text around it; skipped)', { line: lineNo, excerpt: text });
  }

  badLine(text: string, lineNo: number, why: string): void {
    this.diagnostics.report('ftrace/bad-line', 'warning', `malformed record: ${why} (skipped)`, { line: lineNo, excerpt: text });
  }

  classify(buf: Buffer, start: number, end: number, text: string, lineNo: number): void {
    if (frameTextStart(buf, start, end) >= 0) {
      this.diagnostics.report('ftrace/orphan-frame', 'warning', 'stack frame line with no `<stack trace>` before it (skipped)', { line: lineNo, excerpt: text });
      return;
    }
    if (LATENCY_LINE.test(text)) {
      this.diagnostics.report('ftrace/latency-format', 'warning', 'latency-format line (relative µs, no CPU column) is not decoded; capture without the latency-format option (skipped)', {
        line: lineNo,
        excerpt: text,
      });
      return;
    }
    if (looksLikeRecord(buf, start, end)) return this.badLine(text, lineNo, 'has the `comm-pid [cpu]` shape but no readable timestamp/event');
    if (GRAPH_SHAPED.test(text)) return this.badLine(text, lineNo, 'has the function_graph `N) … |` shape but an unreadable body');
    this.prose(text, lineNo);
  }
}
