import type { Diagnostics } from '../../model/diagnostics.js';
import type { TraceMeta } from '../../model/schema.js';

/**
 * Header and preamble lines (FORMATS.md §2.2, §2.6, §2.7): tracefs `# …` comment lines and
 * trace-cmd's `cpus=N` / `version = 6` / `CPU n is empty` preamble and `-w` footer. They are
 * rare (a dozen per file), so plain regular expressions are fine here; the body never comes here.
 *
 * The header is a hint only: per-line detection decides the body layout, because trace_pipe
 * has no header and concatenated captures change layout mid-file.
 */
export interface HeaderState {
  /** `# tracer: X` as last seen; null until a header names it. */
  tracer: string | null;
}

const ENTRIES = /^#\s*entries-in-buffer\/entries-written:\s*(\d+)\/(\d+)(?:\s+#P:(\d+))?/;
const TRACER = /^#\s*tracer:\s*(\S+)/;
const LEGEND = /^#[\s|/]*_*-*=>\s*(\S.*?)\s*$/;
const DELAY = /^#[\s|/]*delay\s*$/;
const ENABLED = /^#\s*enabled events:\s*(.*?)\s*$/;
const LATENCY = /^#\s*(?:\S+ latency trace v|latency:|\s*=> (?:started|ended) at:)/;
const COLUMN_WORDS = new Set(['TASK-PID', 'TGID', 'CPU#', 'TIMESTAMP', 'FUNCTION', 'TIME', 'CPU', 'DURATION', 'CALLS', 'TASK/PID', 'PID']);

function positiveInt(s: string | undefined): number | null {
  const n = Number(s);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** A `#` line. Returns false when it is not a known header line (the caller counts it as prose). */
export function applyCommentLine(text: string, meta: TraceMeta, state: HeaderState, diagnostics: Diagnostics, lineNo: number): boolean {
  const body = text.slice(1).trim();
  if (body === '' || /^-+$/.test(body)) return true;
  let m = TRACER.exec(text);
  if (m !== null) {
    state.tracer = m[1];
    meta.header.tracer = m[1];
    return true;
  }
  m = ENTRIES.exec(text);
  if (m !== null) {
    const [, inBuffer, written, cpus] = m;
    meta.header['entries-in-buffer'] = inBuffer;
    meta.header['entries-written'] = written;
    const n = positiveInt(cpus);
    if (n !== null) meta.cpuCount = n;
    const overwritten = Number(written) - Number(inBuffer);
    if (overwritten > 0) {
      // Overwrite mode: the oldest entries were replaced before the buffer was read.
      diagnostics.report('ftrace/overwritten', 'warning', 'the ring buffer overwrote its oldest entries before it was read (data loss at the start of the trace)', {
        line: lineNo,
        excerpt: `${overwritten} of ${written} entries overwritten (entries-in-buffer ${inBuffer})`,
      });
    }
    return true;
  }
  if (LATENCY.test(text)) {
    meta.header['latency-format'] = 'yes';
    return true;
  }
  m = LEGEND.exec(text);
  if (m !== null) {
    if (m[1].startsWith('migrate-disable')) meta.header['irq-info'] = '5';
    else if (meta.header['irq-info'] === undefined) meta.header['irq-info'] = '4';
    return true;
  }
  if (DELAY.test(text)) return true;
  m = ENABLED.exec(text);
  if (m !== null) {
    meta.header['enabled events'] = m[1];
    return true;
  }
  return isColumnHeader(body, meta);
}

/** `TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION` and the `| |  |` rule under it (also function_graph's). */
function isColumnHeader(body: string, meta: TraceMeta): boolean {
  const words = body.split(/\s+/);
  let named = 0;
  for (const w of words) {
    if (/^\|+$/.test(w)) continue;
    if (!COLUMN_WORDS.has(w)) return false;
    named++;
  }
  if (words.includes('TGID')) meta.header.tgid = 'yes';
  return named > 0 || words.length > 1;
}

const CPUS = /^cpus=(\d+)\s*$/;
const VERSION = /^version\s*=\s*(\S+)\s*$/;
const EMPTY_CPU = /^CPU\s+\d+\s+is empty\s*$/;
const FOOTER = /^(?:Average wakeup latency|Maximum Latency|Minimum Latency|RT task timings)[: ]/;
// trace-cmd --debug / buffer breaks: structure, no data loss.
const SUBBUFFER = /^(?:\S+:\s+)?CPU:\d+\s+\[SUBBUFFER START\]\s*$/;

/** trace-cmd report preamble/footer lines (not `#`); false when the line is none of them. */
export function applyPreambleLine(text: string, meta: TraceMeta): boolean {
  let m = CPUS.exec(text);
  if (m !== null) {
    const n = positiveInt(m[1]);
    if (n !== null) meta.cpuCount = n;
    meta.header.writer = 'trace-cmd report';
    return true;
  }
  m = VERSION.exec(text);
  if (m !== null) {
    meta.header['trace-cmd version'] = m[1];
    meta.header.writer = 'trace-cmd report';
    return true;
  }
  return EMPTY_CPU.test(text) || FOOTER.test(text) || SUBBUFFER.test(text);
}
