import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';
import type { LineSink } from '../input/lines.js';
import { LINE_EVENT, LINE_FUNCTION, LINE_USER_STACK, functionCall, newFtraceHead, scanFtraceLine } from './event-line.js';
import { FunctionCalls } from './function-calls.js';
import { GRAPH_COMMENT, GRAPH_ENTRY, GRAPH_LEAF, GRAPH_RETURN, newGraphLine, scanGraphLine, scanGraphPayload, scanGraphSwitch } from './function-graph.js';
import { GraphEvents } from './graph-events.js';
import type { HeaderState } from './header.js';
import { applyCommentLine, applyPreambleLine } from './header.js';
import { LostEvents } from './lost-events.js';
import { StackBlocks, frameTextStart } from './stack-block.js';
import { StrayLines } from './stray-lines.js';
import { ThreadKeys } from './thread-keys.js';
import { Tracepoints, utf8 } from './tracepoints.js';

const HASH = 35;
const SPACE = 32;
const TAB = 9;
const KIND_MARKER = KIND_CODE.marker;
const KIND_OTHER = KIND_CODE.other;

// How an event name is handled: most go through the shared payload decoder (Tracepoints).
const H_DECODE = 0;
const H_FUNCTION = 1; // trace-cmd `function:` (function tracer)
const H_GRAPH = 2; // trace-cmd `funcgraph_entry:` / `funcgraph_exit:`
const H_STACK = 3; // trace-cmd `kernel_stack:`
const H_USER_STACK = 4; // trace-cmd `user_stack:`
const SPECIAL: Record<string, number> = { function: H_FUNCTION, funcgraph_entry: H_GRAPH, funcgraph_exit: H_GRAPH, kernel_stack: H_STACK, user_stack: H_USER_STACK };

/**
 * The ftrace state machine. Each line is one of: a record (`comm-pid [cpu] … ts: …`), a
 * frame of the open `<stack trace>` block, a function_graph line, a header/preamble line,
 * a data-loss marker, or something else (prose around pasted output: counted, skipped).
 * Records are committed at once; only stack blocks (and marker text continuations) span lines.
 */
export class FtraceParser implements LineSink {
  private readonly head = newFtraceHead();
  private readonly graphLine = newGraphLine();
  private readonly header: HeaderState = { tracer: null };
  private readonly tracepoints: Tracepoints;
  private readonly threads: ThreadKeys;
  private readonly calls: FunctionCalls;
  private readonly stacks: StackBlocks;
  private readonly graph: GraphEvents;
  private readonly lost: LostEvents;
  private readonly stray: StrayLines;
  private readonly handlerOf: number[] = [];
  /** Last record row per CPU: the target of a following `<stack trace>`. */
  private readonly lastRow: number[] = [];
  private readonly ownNames: { kernel: number; user: number; print: number }; // names of the rows the parser makes itself
  private markerRow = -1; // a marker whose text may continue on the next line
  private markerLine = -1;

  constructor(private readonly b: TraceBuilder) {
    this.tracepoints = new Tracepoints(b);
    this.threads = new ThreadKeys(b.threads);
    this.calls = new FunctionCalls(b);
    this.stacks = new StackBlocks(b);
    this.graph = new GraphEvents(b);
    this.lost = new LostEvents(b);
    this.stray = new StrayLines(b.diagnostics);
    this.ownNames = { kernel: b.pool.intern('kernel_stack'), user: b.pool.intern('user_stack'), print: b.pool.intern('print') };
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    if (this.stacks.open) {
      const frame = frameTextStart(buf, start, end);
      if (frame >= 0) return this.stacks.addFrame(buf, frame, end);
      this.stacks.end();
    }
    if (start < end && buf[start] === HASH) return this.comment(utf8(buf, start, end), lineNo);
    if (scanFtraceLine(buf, start, end, this.head)) return this.record(buf, end, lineNo);
    if (!isBlankLine(buf, start, end)) this.other(buf, start, end, lineNo);
  }

  end(): void {
    this.stacks.end();
    this.lost.finish();
    const unmatched = this.graph.unmatchedReturns;
    if (unmatched > 0) {
      this.b.diagnostics.report('ftrace/graph-unmatched-return', 'info', `${unmatched} function_graph returns had no entry in the trace (the capture began inside those calls)`);
    }
  }

  private comment(text: string, lineNo: number): void {
    if (!applyCommentLine(text, this.b.meta, this.header, this.b.diagnostics, lineNo)) return this.stray.comment(text, lineNo);
    if (/^#\s*tracer:/.test(text)) this.newCapture();
  }

  /** A header starts another capture (concatenated or pasted outputs): per-CPU state must not leak into it. */
  private newCapture(): void {
    this.graph.reset();
    this.lastRow.length = 0;
    this.markerRow = -1;
  }

  private record(buf: Buffer, end: number, lineNo: number): void {
    const h = this.head;
    const b = this.b;
    const cpu = h.cpu;
    const utid = this.threads.utid(buf, h.commStart, h.commEnd, h.pidEnd, h.pid, h.tgid);
    if (!h.dotted && !this.lost.counterClock) {
      this.lost.counterClock = true;
      b.meta.clock = 'counter';
    }
    const ts = b.time(h.sec, h.ns);
    this.lost.seen(cpu, h.sec, h.ns, ts);
    this.markerRow = -1;
    if (h.type === LINE_FUNCTION) {
      if (this.header.tracer === 'nop') return this.stray.badLine(utf8(buf, h.nameStart, end), lineNo, 'function-tracer line under `tracer: nop` (truncated or garbled record?)');
      this.lastRow[cpu] = this.calls.row(buf, h, ts, cpu, utid);
      return;
    }
    if (h.type !== LINE_EVENT) return this.stackMarker(ts, cpu, utid, h.type === LINE_USER_STACK, lineNo);
    const name = this.tracepoints.nameOf(buf, h.nameStart, h.nameEnd);
    const handler = this.handlerOf[name] ?? this.classify(name);
    if (handler === H_DECODE) return this.tracepoint(buf, h.payloadStart, end, ts, cpu, utid, name, lineNo);
    if (handler === H_FUNCTION) {
      if (!functionCall(buf, h.payloadStart, end, h)) return this.stray.badLine(utf8(buf, h.payloadStart, end), lineNo, 'unreadable function payload');
      this.lastRow[cpu] = this.calls.row(buf, h, ts, cpu, utid);
      return;
    }
    if (handler === H_GRAPH) {
      const g = this.graphLine;
      if (!scanGraphPayload(buf, h.payloadStart, end, g)) return this.stray.badLine(utf8(buf, h.payloadStart, end), lineNo, 'unreadable function_graph payload');
      g.cpu = cpu;
      return this.graphRecord(buf, ts, utid, lineNo);
    }
    this.stackMarker(ts, cpu, utid, handler === H_USER_STACK, lineNo);
  }

  private tracepoint(buf: Buffer, s: number, end: number, ts: number, cpu: number, utid: number, name: number, lineNo: number): void {
    const row = this.tracepoints.row(buf, s, end, ts, cpu, utid, name, lineNo);
    if (cpu >= 0) this.lastRow[cpu] = row;
    if (this.tracepoints.kindOf(name) === KIND_MARKER) {
      this.markerRow = row;
      this.markerLine = -1;
    }
  }

  /** `<stack trace>`: frames follow; they belong to the previous record of this CPU and task. */
  private stackMarker(ts: number, cpu: number, utid: number, user: boolean, lineNo: number): void {
    const row = this.lastRow[cpu] ?? -1;
    if (row >= 0 && this.b.events.adaptive.utid.get(row) === utid && this.stacks.accepts(row, user)) return this.stacks.begin(row, user);
    // A stack with no event of its own (stacktrace trigger on a disabled event, or the event was lost): keep it as a row.
    const orphan = this.b.event(ts, cpu, utid, KIND_OTHER, user ? this.ownNames.user : this.ownNames.kernel);
    this.b.diagnostics.report('ftrace/unattached-stack', 'info', 'stack trace without a preceding event on its CPU (kept as its own row)', { line: lineNo });
    this.stacks.begin(orphan, user);
  }

  /** Lines that are not records: function_graph, loss markers, preamble, marker continuations, prose. */
  private other(buf: Buffer, start: number, end: number, lineNo: number): void {
    const g = this.graphLine;
    if (scanGraphLine(buf, start, end, g)) return this.graphRecord(buf, NaN, -1, lineNo);
    if (scanGraphSwitch(buf, start, end, g)) return this.graph.setTask(g.cpu, this.threads.ofCell(buf, g.procStart, g.procEnd));
    const line = utf8(buf, start, end);
    if (this.lost.marker(line, lineNo)) return;
    if (applyPreambleLine(line, this.b.meta)) {
      if (line.startsWith('cpus=')) this.newCapture();
      return;
    }
    if (this.markerRow >= 0 && (this.markerLine < 0 || this.markerLine === lineNo - 1) && frameTextStart(buf, start, end) < 0) {
      // trace_marker text with an embedded newline: the tail arrives unprefixed on the next line.
      const str0 = this.b.events.adaptive.str0;
      str0.set(this.markerRow, this.b.pool.intern(`${this.b.pool.get(str0.get(this.markerRow))}\n${line}`));
      this.markerLine = lineNo;
      return;
    }
    this.stray.classify(buf, start, end, line, lineNo);
  }

  /** A function_graph line (tracefs, or a trace-cmd funcgraph_* payload with ts/utid already known). */
  private graphRecord(buf: Buffer, ts: number, utid: number, lineNo: number): void {
    const g = this.graphLine;
    const cpu = g.cpu;
    if (g.hasTime) ts = this.b.time(g.sec, g.ns);
    if (g.procEnd > g.procStart) utid = this.threads.ofCell(buf, g.procStart, g.procEnd);
    else if (utid < 0) utid = this.graph.taskOn(cpu);
    let row = -1;
    if (g.type === GRAPH_ENTRY || g.type === GRAPH_LEAF) row = this.graph.call(buf, g, ts, cpu, utid);
    else if (g.type === GRAPH_RETURN) row = this.graph.ret(buf, g, ts, cpu, utid);
    else if (g.type === GRAPH_COMMENT) {
      this.graphComment(buf, g.nameStart, g.nameEnd, ts, cpu, utid, lineNo);
    }
    // irq marks and separators carry no event; without a CPU column no stack can follow
    if (row >= 0 && cpu >= 0) this.lastRow[cpu] = row;
  }

  /** `/* sched_switch: prev_comm=… *\/` inline in a graph: decoded as that event; other text (trace_printk) is a marker. */
  private graphComment(buf: Buffer, s: number, e: number, ts: number, cpu: number, utid: number, lineNo: number): void {
    let j = s;
    while (j < e && buf[j] !== 58 && buf[j] !== SPACE) j++;
    if (j > s && j < e && buf[j] === 58 && (j + 1 === e || buf[j + 1] === SPACE)) {
      let p = j + 1;
      while (p < e && buf[p] === SPACE) p++;
      this.tracepoint(buf, p, e, ts, cpu, utid, this.tracepoints.nameOf(buf, s, j), lineNo);
      return;
    }
    const row = this.b.event(ts, cpu, utid, KIND_MARKER, this.ownNames.print);
    this.b.events.adaptive.str0.set(row, this.b.pool.intern(utf8(buf, s, e)));
  }

  private classify(name: number): number {
    const h = SPECIAL[this.b.pool.get(name)] ?? H_DECODE;
    this.handlerOf[name] = h;
    return h;
  }
}

function isBlankLine(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== SPACE && buf[i] !== TAB) return false;
  return true;
}
