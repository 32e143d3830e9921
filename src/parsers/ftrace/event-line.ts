/**
 * Byte-level scanner for one ftrace body line (FORMATS.md §2.3, §2.7):
 *
 *   ⟨instance: ⟩? comm-pid ⟨(tgid)⟩? [cpu] ⟨irq-info⟩? timestamp: ⟨event: payload | func <-parent | <stack trace>⟩
 *
 * The comm may hold spaces, dashes and colons (`memfd:sealed-91-1828`), so the scanner anchors
 * on the first `[digits]` that follows a blank and is preceded by `-pid` (or `-pid (tgid)`),
 * and works backwards from there. Every width variant (5/7-wide pid, 4/5 flag characters, no
 * flags column, trace-cmd's padding) collapses into "skip blanks". No regular expressions and
 * no strings: the caller slices what it keeps.
 */
import { MAX_CPU } from '../../model/schema.js';

export const LINE_EVENT = 1; // `name: payload`
export const LINE_FUNCTION = 2; // function tracer: `func <-parent` (no `name:` token)
export const LINE_STACK = 3; // `<stack trace>`
export const LINE_USER_STACK = 4; // `<user stack trace>`

export interface FtraceHead {
  type: number;
  commStart: number;
  commEnd: number;
  pidEnd: number; // comm..pidEnd is the thread key (`bash-7549`)
  pid: number;
  tgid: number; // -1 when no TGID column or `(-------)`
  cpu: number;
  flagsStart: number; // flagsStart === flagsEnd when there is no irq-info column
  flagsEnd: number;
  dotted: boolean; // `sec.frac`; false for raw counter clocks
  sec: number;
  ns: number;
  nameStart: number; // event name, or the function for LINE_FUNCTION
  nameEnd: number;
  payloadStart: number; // first non-blank byte after `name:` (LINE_EVENT)
  parentStart: number; // LINE_FUNCTION: the `<-parent` symbol; parentStart === parentEnd when absent
  parentEnd: number;
}

export function newFtraceHead(): FtraceHead {
  return {
    type: 0, commStart: 0, commEnd: 0, pidEnd: 0, pid: -1, tgid: -1, cpu: -1, flagsStart: 0, flagsEnd: 0,
    dotted: true, sec: 0, ns: 0, nameStart: 0, nameEnd: 0, payloadStart: 0, parentStart: 0, parentEnd: 0,
  };
}

const SPACE = 32;
const TAB = 9;
const COLON = 58;
const DOT = 46;
const DASH = 45;
const LBRACKET = 91;
const RBRACKET = 93;
const LPAREN = 40;
const RPAREN = 41;
const LT = 60;
const GT = 62;
const isBlank = (c: number) => c === SPACE || c === TAB;
const isDigit = (c: number) => c >= 48 && c <= 57;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

const STACK_TEXT = Buffer.from('<stack trace>');
const USER_STACK_TEXT = Buffer.from('<user stack trace>');

function startsWith(buf: Buffer, at: number, end: number, lit: Buffer): boolean {
  if (end - at < lit.length) return false;
  for (let k = 0; k < lit.length; k++) if (buf[at + k] !== lit[k]) return false;
  return true;
}

/** Scan one line; false when it is not an ftrace record line. */
export function scanFtraceLine(buf: Buffer, start: number, end: number, h: FtraceHead): boolean {
  let first = start;
  while (first < end && isBlank(buf[first])) first++;
  // `x-0 [0] 0: e` is the shortest record; a bracket before column 3 cannot be the CPU.
  for (let p = first + 3; p < end; p++) {
    if (buf[p] !== LBRACKET || !isBlank(buf[p - 1])) continue;
    const after = cpuAt(buf, p, end, h);
    if (after < 0 || !threadBefore(buf, first, p, h)) continue;
    return tail(buf, after, end, h);
  }
  return false;
}

/** `[007]` at p followed by a blank or the end: sets h.cpu and returns the offset after `]`. */
function cpuAt(buf: Buffer, p: number, end: number, h: FtraceHead): number {
  let i = p + 1;
  let cpu = 0;
  while (i < end && isDigit(buf[i])) cpu = cpu * 10 + (buf[i++] - 48);
  if (i === p + 1 || i >= end || buf[i] !== RBRACKET || cpu > MAX_CPU) return -1;
  i++;
  if (i < end && !isBlank(buf[i])) return -1;
  h.cpu = cpu;
  return i;
}

/** Works back from the `[cpu]` at p: optional `(tgid)`, then `-pid`, comm and an instance prefix. */
function threadBefore(buf: Buffer, first: number, p: number, h: FtraceHead): boolean {
  let q = p - 1;
  while (q > first && isBlank(buf[q])) q--;
  h.tgid = -1;
  if (buf[q] === RPAREN) {
    let o = q - 1;
    while (o > first && buf[o] !== LPAREN) o--;
    if (buf[o] !== LPAREN) return false;
    let tgid = 0;
    let digits = 0;
    for (let k = o + 1; k < q; k++) {
      const c = buf[k];
      if (isDigit(c)) {
        tgid = tgid * 10 + (c - 48);
        digits++;
      } else if (c !== SPACE && c !== DASH) return false;
    }
    if (digits > 0) h.tgid = tgid;
    q = o - 1;
    if (q <= first || !isBlank(buf[q])) return false;
    while (q > first && isBlank(buf[q])) q--;
  }
  const pidEnd = q + 1;
  let pid = 0;
  let scale = 1;
  while (q > first && isDigit(buf[q])) {
    pid += (buf[q] - 48) * scale;
    scale *= 10;
    q--;
  }
  if (q === pidEnd - 1 || buf[q] !== DASH || q === first) return false;
  h.pid = pid;
  h.pidEnd = pidEnd;
  h.commEnd = q;
  // trace-cmd prefixes instance/file names (`tl_events: `): a first token ending in `:` before the comm.
  let t = first;
  while (t < q && !isBlank(buf[t])) t++;
  if (t < q && buf[t - 1] === COLON) {
    while (t < q && isBlank(buf[t])) t++;
    h.commStart = t;
  } else {
    h.commStart = first;
  }
  return h.commStart < h.commEnd;
}

/** After `[cpu]`: irq-info flags, timestamp and the body. */
function tail(buf: Buffer, i: number, end: number, h: FtraceHead): boolean {
  while (i < end && isBlank(buf[i])) i++;
  h.flagsStart = h.flagsEnd = i;
  if (i < end && !isDigit(buf[i])) {
    // irq-info (`d.h1.`, `....`): never starts with a digit, so it cannot be a timestamp.
    while (i < end && !isBlank(buf[i])) i++;
    h.flagsEnd = i;
    if (i - h.flagsStart > 8) return false;
    while (i < end && isBlank(buf[i])) i++;
  }
  i = timestamp(buf, i, end, h);
  if (i < 0) return false;
  while (i < end && isBlank(buf[i])) i++;
  if (i >= end) return false;
  return body(buf, i, end, h);
}

/** `sec.frac:` or a raw counter `1234567:`; returns the offset after the colon, or -1. */
function timestamp(buf: Buffer, i: number, end: number, h: FtraceHead): number {
  const s = i;
  while (i < end && isDigit(buf[i])) i++;
  const intEnd = i;
  if (intEnd === s) return -1;
  if (i < end && buf[i] === DOT) {
    const fs = ++i;
    let frac = 0;
    while (i < end && isDigit(buf[i])) frac = frac * 10 + (buf[i++] - 48);
    const digits = i - fs;
    if (digits === 0 || digits > 9) return -1;
    h.dotted = true;
    h.sec = digitsValue(buf, s, intEnd);
    h.ns = frac * POW10[9 - digits];
  } else {
    // Raw counts (counter, x86-tsc clocks) may exceed 2^53: split off the low 9 digits exactly.
    h.dotted = false;
    const cut = Math.max(s, intEnd - 9);
    h.sec = digitsValue(buf, s, cut);
    h.ns = digitsValue(buf, cut, intEnd);
  }
  if (i >= end || buf[i] !== COLON) return -1;
  i++;
  if (i < end && !isBlank(buf[i])) return -1;
  return i;
}

function digitsValue(buf: Buffer, s: number, e: number): number {
  let v = 0;
  for (let k = s; k < e; k++) v = v * 10 + (buf[k] - 48);
  return v;
}

/** The part after the timestamp: `name: payload`, `<stack trace>`, or a function-tracer call. */
function body(buf: Buffer, i: number, end: number, h: FtraceHead): boolean {
  if (buf[i] === LT) {
    if (startsWith(buf, i, end, STACK_TEXT)) {
      h.type = LINE_STACK;
      return true;
    }
    if (startsWith(buf, i, end, USER_STACK_TEXT)) {
      h.type = LINE_USER_STACK;
      return true;
    }
  }
  let j = i;
  while (j < end && buf[j] !== COLON && !isBlank(buf[j])) j++;
  h.nameStart = i;
  h.nameEnd = j;
  if (j < end && buf[j] === COLON && j > i && (j + 1 === end || isBlank(buf[j + 1]))) {
    h.type = LINE_EVENT;
    j++;
    while (j < end && isBlank(buf[j])) j++;
    h.payloadStart = j;
    return true;
  }
  if (j < end && buf[j] === COLON) return false;
  h.type = LINE_FUNCTION;
  return functionCall(buf, i, end, h);
}

/**
 * A function-tracer call at i: `func`, `func <-parent` (trace-cmd: `func <-- parent`), with an
 * optional ` <ffffffff…>` after each symbol (sym-addr). Sets name/parent ranges.
 */
export function functionCall(buf: Buffer, i: number, end: number, h: FtraceHead): boolean {
  while (i < end && isBlank(buf[i])) i++;
  let j = i;
  while (j < end && !isBlank(buf[j])) j++;
  if (j === i) return false;
  h.nameStart = i;
  h.nameEnd = j;
  h.parentStart = h.parentEnd = end;
  j = skipAddr(buf, j, end);
  if (j >= end) return true;
  if (buf[j] !== LT || j + 1 >= end || buf[j + 1] !== DASH) return false;
  j += 2;
  if (j < end && buf[j] === DASH) j++; // trace-cmd prints `<--`
  while (j < end && isBlank(buf[j])) j++;
  const ps = j;
  while (j < end && !isBlank(buf[j])) j++;
  if (j === ps) return false;
  h.parentStart = ps;
  h.parentEnd = j;
  return skipAddr(buf, j, end) >= end;
}

/** Skip blanks and an optional `<hexaddr>`; returns the next offset. */
function skipAddr(buf: Buffer, j: number, end: number): number {
  while (j < end && isBlank(buf[j])) j++;
  if (j + 1 < end && buf[j] === LT && buf[j + 1] !== DASH) {
    let k = j + 1;
    while (k < end && buf[k] !== GT && !isBlank(buf[k])) k++;
    if (k < end && buf[k] === GT) {
      j = k + 1;
      while (j < end && isBlank(buf[j])) j++;
    }
  }
  return j;
}

/** True when the text has the `-pid [cpu]` shape of a record even though it did not scan (truncated, garbled). */
export function looksLikeRecord(buf: Buffer, start: number, end: number): boolean {
  for (let p = start + 2; p + 1 < end; p++) {
    if (buf[p] !== LBRACKET || !isBlank(buf[p - 1]) || !isDigit(buf[p + 1])) continue;
    let q = p - 1;
    while (q > start && isBlank(buf[q])) q--;
    if (buf[q] === RPAREN) {
      // `(tgid)`: only digits, dashes and blanks inside
      q--;
      while (q > start && (isDigit(buf[q]) || buf[q] === DASH || isBlank(buf[q]))) q--;
      if (buf[q] !== LPAREN) continue;
      q--;
      while (q > start && isBlank(buf[q])) q--;
    }
    let digits = 0;
    while (q > start && isDigit(buf[q])) {
      q--;
      digits++;
    }
    if (digits > 0 && buf[q] === DASH) return true;
  }
  return false;
}
