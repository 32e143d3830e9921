import { latin1 } from '../input/bytes.js';
import { ByteKeyMap } from '../input/byte-key-map.js';
import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';
import type { LineSink } from '../input/lines.js';
import { PayloadDecoders } from '../payload/decoder.js';
import type { EventHead } from './event-line.js';
import { newEventHead, scanEventHead } from './event-line.js';
import { FrameResolver, frameSymbolStart } from './frame-line.js';
import { applyHeaderLine } from './header.js';
import { classifyStray } from './stray-lines.js';

const TAB = 9;
const SPACE = 32;
const HASH = 35;
const KIND_LOST = KIND_CODE.lost;
const KIND_SIDEBAND = KIND_CODE.sideband;
const MODIFIERS = /^[ukhHGIpPSDWe]+$/;

/** What an event name is: a profile sample (`cycles:u`) or a tracepoint (`irq:irq_handler_entry`). */
function isTracepointName(name: string): boolean {
  const colon = name.indexOf(':');
  if (colon <= 0) return false;
  return !MODIFIERS.test(name.slice(colon + 1).split(':')[0]);
}

/**
 * The perf-script state machine. A record is a head line, then (with -g) frame lines
 * ended by a blank line. The record is committed when the next head, a blank line, or
 * EOF arrives, because only then is its callchain complete.
 */
export class PerfScriptParser implements LineSink {
  private readonly head: EventHead = newEventHead();
  private readonly frames: FrameResolver;
  private readonly decoders = new PayloadDecoders();
  private readonly tracepointNames = new Map<number, boolean>();
  private frameIds = new Int32Array(256);
  private frameCount = 0;
  private inHeader = false;
  private seenRecord = false;
  // The open record (committed when complete).
  private open = false;
  private openRow = -1; // events row for tracepoints; -1 for samples
  private openTs = NaN;
  private openCpu = -1;
  private openUtid = -1;
  private openName = -1;
  private openInlineFrame = -1; // `ip sym (dso)` on the head line, when no callchain follows
  private readonly threadKeys = new ByteKeyMap();
  private readonly eventNames = new ByteKeyMap();

  constructor(private readonly b: TraceBuilder) {
    this.frames = new FrameResolver(b.pool, b.stacks);
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    if (start === end) return this.blank();
    const c0 = buf[start];
    if (c0 === HASH && (this.inHeader || !this.seenRecord)) return this.headerLine(buf.toString('utf8', start, end), lineNo);
    if (this.open && (c0 === TAB || c0 === SPACE)) {
      const symStart = frameSymbolStart(buf, start, end);
      // Tab-indented lines are frames; space-indented ones are frames unless they carry a record anchor.
      if (symStart >= 0 && (c0 === TAB || !scanEventHead(buf, start, end, this.head, true))) {
        return this.addFrame(this.frames.resolve(buf, symStart, end));
      }
      if (symStart < 0 && this.isBlank(buf, start, end)) return this.blank();
    }
    if (scanEventHead(buf, start, end, this.head, false)) return this.record(buf, end, lineNo);
    if (this.isBlank(buf, start, end)) return this.blank();
    this.commit();
    classifyStray(buf.toString('utf8', start, end), lineNo, this.b.diagnostics);
  }

  end(): void {
    this.commit();
  }

  private isBlank(buf: Buffer, start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (buf[i] !== SPACE && buf[i] !== TAB) return false;
    return true;
  }

  private blank(): void {
    // A blank line between a head and its first frame occurs in real files: keep waiting.
    if (this.open && this.frameCount === 0 && this.openInlineFrame < 0) return;
    this.commit();
  }

  private headerLine(text: string, lineNo: number): void {
    if (/^# =+\s*$/.test(text)) {
      this.inHeader = !this.inHeader;
      return;
    }
    if (this.inHeader && !applyHeaderLine(text, this.b.meta)) {
      this.b.diagnostics.report('perf-script/bad-header', 'warning', 'unreadable header line', { line: lineNo, excerpt: text });
    }
  }

  private record(buf: Buffer, end: number, lineNo: number): void {
    this.commit();
    this.seenRecord = true;
    this.inHeader = false;
    const h = this.head;
    const b = this.b;
    const utid = this.threadOf(buf);
    const ts = h.hasTime ? b.time(h.sec, h.ns) : NaN;
    if (h.sideband) return this.sideband(buf, end, ts, utid, lineNo);
    const name = this.eventNameOf(buf);
    this.open = true;
    this.openTs = ts;
    this.openCpu = h.cpu;
    this.openUtid = utid;
    this.openName = name;
    this.openInlineFrame = -1;
    if (this.isTracepoint(name)) {
      const eventName = b.pool.get(name);
      const decoder = this.decoders.for(eventName);
      this.openRow = b.event(ts, h.cpu, utid, decoder.kind, name);
      const payload = buf.toString('utf8', h.restStart, end).trimEnd();
      if (!decoder.decode(payload, b, this.openRow, this.decoders.scratch)) {
        b.diagnostics.report('perf-script/unrecognised-payload', 'warning', `payload of ${eventName} does not match any known layout`, {
          line: lineNo,
          excerpt: payload,
        });
      }
      return;
    }
    this.openRow = -1;
    if (h.restStart < end) {
      const symStart = frameSymbolStart(buf, h.restStart - 1, end);
      if (symStart >= 0) this.openInlineFrame = this.frames.resolve(buf, symStart, end);
    }
  }

  private eventNameOf(buf: Buffer): number {
    const h = this.head;
    if (h.eventEnd === h.eventStart) return this.b.pool.intern('(no event field)');
    let name = this.eventNames.get(buf, h.eventStart, h.eventEnd);
    if (name < 0) {
      name = this.b.pool.intern(buf.toString('utf8', h.eventStart, h.eventEnd));
      this.eventNames.setLast(buf, h.eventStart, h.eventEnd, name);
    }
    return name;
  }

  /** utid of the head's thread: the bytes `comm pid/tid` are looked up before any string is made. */
  private threadOf(buf: Buffer): number {
    const h = this.head;
    let utid = this.threadKeys.get(buf, h.commStart, h.pidEnd);
    if (utid < 0) {
      const comm = h.commEnd > h.commStart ? buf.toString('utf8', h.commStart, h.commEnd) : '';
      utid = this.b.threads.utid(h.tid, h.pid, comm);
      this.threadKeys.setLast(buf, h.commStart, h.pidEnd, utid);
    }
    return utid;
  }

  private isTracepoint(name: number): boolean {
    let t = this.tracepointNames.get(name);
    if (t === undefined) {
      t = isTracepointName(this.b.pool.get(name));
      this.tracepointNames.set(name, t);
    }
    return t;
  }

  private sideband(buf: Buffer, end: number, ts: number, utid: number, lineNo: number): void {
    const h = this.head;
    const what = latin1(buf, h.eventStart, h.eventEnd);
    const rest = buf.toString('utf8', h.restStart, end).trim();
    const b = this.b;
    if (what === 'PERF_RECORD_LOST' || what === 'PERF_RECORD_LOST_SAMPLES') {
      const row = b.event(ts, h.cpu, utid, KIND_LOST, b.pool.intern(what));
      const count = Number(/lost (\d+)/.exec(rest)?.[1] ?? NaN);
      b.events.adaptive.a0.set(row, count);
      b.diagnostics.report('perf-script/lost-events', 'warning', 'perf lost events while recording (data loss)', { line: lineNo, excerpt: `${what} ${rest}` });
      return;
    }
    const row = b.event(ts, h.cpu, utid, KIND_SIDEBAND, b.pool.intern(what));
    if (rest.length > 0) b.events.adaptive.str0.set(row, b.pool.intern(rest));
  }

  private addFrame(frame: number): void {
    if (this.frameCount === this.frameIds.length) {
      const grown = new Int32Array(this.frameIds.length * 2);
      grown.set(this.frameIds);
      this.frameIds = grown;
    }
    this.frameIds[this.frameCount++] = frame;
  }

  private commit(): void {
    if (!this.open) return;
    const b = this.b;
    if (this.frameCount === 0 && this.openInlineFrame >= 0) this.addFrame(this.openInlineFrame);
    const stack = b.stacks.internLeafFirst(this.frameIds, this.frameCount);
    if (this.openRow >= 0) b.events.adaptive.stack.set(this.openRow, stack);
    else b.sample(this.openTs, this.openCpu, this.openUtid, 1, stack, this.openName);
    this.open = false;
    this.frameCount = 0;
  }
}
