import { MAX_CPU } from '../../model/schema.js';
/**
 * function_graph tracer lines (FORMATS.md §2.5), byte-level:
 *
 *   ⟨abstime |⟩? ⟨ N)⟩ ⟨comm-pid |⟩? ⟨flags⟩? ⟨[+!#*@$] dur us⟩? |  ⟨indent⟩ body
 *
 * body: `func() {` (entry), `func();` (leaf), `}` / `} /* func *\/` (return), `/* text *\/`
 * (another event or trace_printk, inline), `==========>` / `<==========` (irq marks).
 * Also ` N)  comm-pid  =>  comm-pid` (context switch on that CPU) and the `-----` rules around it.
 * Every column but the body is optional; with `funcgraph-duration` off there is no `|` at all.
 * trace-cmd's `funcgraph_entry:`/`funcgraph_exit:` payloads are the same columns from the duration on.
 */
export const GRAPH_ENTRY = 1;
export const GRAPH_LEAF = 2;
export const GRAPH_RETURN = 3;
export const GRAPH_COMMENT = 4;
export const GRAPH_SWITCH = 5; // nextStart..nextEnd is the incoming `comm-pid`
export const GRAPH_MARK = 6; // irq marks and `------` rules: structure, no event

export interface GraphLine {
  type: number;
  hasTime: boolean;
  sec: number;
  ns: number;
  cpu: number; // -1 when the CPU column is off
  procStart: number; // `comm-pid` of the proc column; procStart === procEnd when absent
  procEnd: number;
  durNs: number; // NaN when no duration is printed
  nameStart: number; // function (entry/leaf/return comment) or comment text; equal when none
  nameEnd: number;
}

export function newGraphLine(): GraphLine {
  return { type: 0, hasTime: false, sec: 0, ns: 0, cpu: -1, procStart: 0, procEnd: 0, durNs: NaN, nameStart: 0, nameEnd: 0 };
}

const SPACE = 32;
const TAB = 9;
const PIPE = 124;
const DASH = 45;
const DOT = 46;
const isBlank = (c: number) => c === SPACE || c === TAB;
const isDigit = (c: number) => c >= 48 && c <= 57;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const SEPARATOR_MIN = 10;

function skipBlanks(buf: Buffer, i: number, end: number): number {
  while (i < end && isBlank(buf[i])) i++;
  return i;
}

/** A whole tracefs function_graph line; false when the line is something else. */
export function scanGraphLine(buf: Buffer, start: number, end: number, g: GraphLine): boolean {
  let i = skipBlanks(buf, start, end);
  g.hasTime = false;
  g.cpu = -1;
  g.procStart = g.procEnd = 0;
  if (i < end && buf[i] === DASH) return separator(buf, i, end, g);
  // `7238523.638008 |` (abstime) and/or ` 0)` (CPU).
  let n = number(buf, i, end);
  if (n > i) {
    let j = skipBlanks(buf, n, end);
    if (j < end && buf[j] === PIPE && timeOf(buf, i, n, g)) {
      i = skipBlanks(buf, j + 1, end);
      n = number(buf, i, end);
      j = n;
    }
    if (n > i && j < end && buf[j] === 41 && isInt(buf, i, n)) {
      let cpu = 0;
      for (let k = i; k < n; k++) cpu = cpu * 10 + (buf[k] - 48);
      if (cpu > MAX_CPU) return false;
      g.cpu = cpu;
      i = j + 1;
    }
  }
  if (!g.hasTime && g.cpu < 0) return false;
  return columns(buf, i, end, g, true);
}

/** The part of a trace-cmd `funcgraph_entry:`/`funcgraph_exit:` payload: `dur us |  body`. */
export function scanGraphPayload(buf: Buffer, start: number, end: number, g: GraphLine): boolean {
  g.procStart = g.procEnd = 0;
  g.hasTime = false;
  return columns(buf, start, end, g, false);
}

/** Proc, flags and duration columns, each closed by `|`, then the body. */
function columns(buf: Buffer, i: number, end: number, g: GraphLine, allowProc: boolean): boolean {
  g.durNs = NaN;
  for (let round = 0; round < 3; round++) {
    let bar = i;
    while (bar < end && buf[bar] !== PIPE) bar++;
    if (bar >= end) break; // no duration column at all
    const s = skipBlanks(buf, i, bar);
    if (s === bar) return graphBody(buf, bar + 1, end, g); // blank duration cell
    if (duration(buf, s, bar, g)) return graphBody(buf, bar + 1, end, g);
    if ((allowProc && g.procStart === g.procEnd && procCell(buf, s, bar, g)) || flagsCell(buf, s, bar)) {
      i = bar + 1;
      continue;
    }
    break; // a `|` inside the body (comment text)
  }
  return graphBody(buf, i, end, g);
}

/** `cksum-26695` in its own cell. */
function procCell(buf: Buffer, s: number, bar: number, g: GraphLine): boolean {
  let e = bar;
  while (e > s && isBlank(buf[e - 1])) e--;
  let k = e - 1;
  while (k > s && isDigit(buf[k])) k--;
  if (k === e - 1 || buf[k] !== DASH || k === s) return false;
  g.procStart = s;
  g.procEnd = e;
  return true;
}

/** Latency flags in a cell of their own (`d..1`, `dNh2.`): irqs-off column first, never a digit. */
function flagsCell(buf: Buffer, s: number, bar: number): boolean {
  let e = bar;
  while (e > s && isBlank(buf[e - 1])) e--;
  const c = buf[s];
  if (e - s < 4 || e - s > 5 || !(c === 100 || c === 68 || c === 98 || c === 88 || c === DOT)) return false;
  for (let k = s; k < e; k++) if (isBlank(buf[k])) return false;
  return true;
}

/** `[flags] [mark] 0.198 us` (or `ms`); sets durNs. */
function duration(buf: Buffer, s: number, e: number, g: GraphLine): boolean {
  while (e > s && isBlank(buf[e - 1])) e--;
  if (e - s < 4 || buf[e - 1] !== 115 || (buf[e - 2] !== 117 && buf[e - 2] !== 109)) return false;
  const unitNs = buf[e - 2] === 117 ? 1e3 : 1e6;
  let k = e - 2;
  while (k > s && isBlank(buf[k - 1])) k--;
  const numEnd = k;
  while (k > s && (isDigit(buf[k - 1]) || buf[k - 1] === DOT)) k--;
  if (k === numEnd) return false;
  // Whatever precedes the number may only be latency flags and an overhead mark: two tokens at most.
  let p = s;
  for (let t = 0; t < 2; t++) {
    p = skipBlanks(buf, p, k);
    while (p < k && !isBlank(buf[p])) p++;
  }
  if (skipBlanks(buf, p, k) !== k) return false;
  let whole = 0;
  let frac = 0;
  let digits = 0;
  let q = k;
  while (q < numEnd && buf[q] !== DOT) whole = whole * 10 + (buf[q++] - 48);
  if (q < numEnd) {
    for (q++; q < numEnd && digits < 9; q++, digits++) frac = frac * 10 + (buf[q] - 48);
  }
  // Integer arithmetic: µs with up to 3 decimals is an exact ns count.
  g.durNs = whole * unitNs + Math.round((frac * unitNs) / POW10[digits]);
  return true;
}

function graphBody(buf: Buffer, i: number, end: number, g: GraphLine): boolean {
  i = skipBlanks(buf, i, end);
  while (end > i && isBlank(buf[end - 1])) end--;
  g.nameStart = g.nameEnd = i;
  if (i >= end) return false;
  const c = buf[i];
  if (c === 125) {
    // `}` then optional `/* func */` or `/* func = 0x0 */`
    g.type = GRAPH_RETURN;
    const cs = skipBlanks(buf, i + 1, end);
    if (cs + 1 < end && buf[cs] === 47 && buf[cs + 1] === 42) {
      let s = skipBlanks(buf, cs + 2, end);
      let e = s;
      while (e < end && !isBlank(buf[e]) && buf[e] !== 42) e++;
      g.nameStart = s;
      g.nameEnd = e;
    } else if (cs !== end) return false;
    return true;
  }
  if (c === 47 && i + 1 < end && buf[i + 1] === 42) {
    g.type = GRAPH_COMMENT;
    let s = skipBlanks(buf, i + 2, end);
    let e = end;
    if (e - s >= 2 && buf[e - 1] === 47 && buf[e - 2] === 42) e -= 2;
    while (e > s && isBlank(buf[e - 1])) e--;
    g.nameStart = s;
    g.nameEnd = e;
    return true;
  }
  if (c === 61 || c === 60) {
    // `==========>` / `<==========`
    g.type = GRAPH_MARK;
    return buf[i + 1] === 61;
  }
  // `func() {` / `func();` (+ optional `/* = 0x0 */` retval)
  let p = i;
  while (p < end && buf[p] !== 40 && !isBlank(buf[p])) p++;
  if (p === i || p + 1 >= end || buf[p] !== 40 || buf[p + 1] !== 41) return false;
  const tail = skipBlanks(buf, p + 2, end);
  if (tail < end && buf[tail] === 123) g.type = GRAPH_ENTRY;
  else if (tail < end && buf[tail] === 59) g.type = GRAPH_LEAF;
  else return false;
  g.nameStart = i;
  g.nameEnd = p;
  return true;
}

/** `------` rule; or a context-switch line is handled by the caller through switchSides. */
function separator(buf: Buffer, i: number, end: number, g: GraphLine): boolean {
  let k = i;
  while (k < end && buf[k] === DASH) k++;
  if (k - i < SEPARATOR_MIN || skipBlanks(buf, k, end) !== end) return false;
  g.type = GRAPH_MARK;
  return true;
}

/** ` 0)  platfor-3210  =>  vmstat-2854` after the CPU column: the incoming task's `comm-pid`. */
export function scanGraphSwitch(buf: Buffer, start: number, end: number, g: GraphLine): boolean {
  let i = skipBlanks(buf, start, end);
  const n = number(buf, i, end);
  if (n === i || n >= end || buf[n] !== 41 || !isInt(buf, i, n)) return false;
  let cpu = 0;
  for (let k = i; k < n; k++) cpu = cpu * 10 + (buf[k] - 48);
  let arrow = n + 1;
  while (arrow + 1 < end && !(buf[arrow] === 61 && buf[arrow + 1] === 62)) arrow++;
  if (arrow + 1 >= end || !isBlank(buf[arrow - 1])) return false;
  i = skipBlanks(buf, arrow + 2, end);
  let e = end;
  while (e > i && isBlank(buf[e - 1])) e--;
  if (!procCell(buf, i, e, g)) return false;
  g.type = GRAPH_SWITCH;
  g.cpu = cpu;
  g.hasTime = false;
  return true;
}

function number(buf: Buffer, i: number, end: number): number {
  while (i < end && (isDigit(buf[i]) || buf[i] === DOT)) i++;
  return i;
}

function isInt(buf: Buffer, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if (!isDigit(buf[k])) return false;
  return e > s;
}

function timeOf(buf: Buffer, s: number, e: number, g: GraphLine): boolean {
  let sec = 0;
  let k = s;
  while (k < e && isDigit(buf[k])) sec = sec * 10 + (buf[k++] - 48);
  if (k === s || k >= e || buf[k] !== DOT) return false;
  const fs = ++k;
  let frac = 0;
  while (k < e && isDigit(buf[k])) frac = frac * 10 + (buf[k++] - 48);
  const digits = k - fs;
  if (k !== e || digits === 0 || digits > 9) return false;
  g.hasTime = true;
  g.sec = sec;
  g.ns = frac * POW10[9 - digits];
  return true;
}
