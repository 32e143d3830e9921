/**
 * Byte-level scanner for the head of a `perf script` record line:
 *
 *   comm  pid[/tid]  [cpu]?  sec.frac:?  period?  event:  rest
 *
 * Every field but comm, pid and event is optional, comm may hold spaces and digits, and
 * padding varies, so the head is tokenised on whitespace and anchored on the first `[cpu]`
 * or `sec.frac:` token: the pid is the token before it and comm is everything before the
 * pid. Without either anchor the event is the first `name:` token after an integer.
 * No regular expressions and no strings are made here: the caller slices what it keeps.
 */
import { MAX_CPU } from '../../model/schema.js';

export interface EventHead {
  commStart: number;
  commEnd: number;
  pidEnd: number; // end of the pid[/tid] token: comm..pidEnd names the thread
  pid: number; // -1 when only a tid is printed
  tid: number;
  cpu: number; // -1 when absent
  hasTime: boolean;
  sec: number;
  ns: number;
  period: number; // NaN when absent
  eventStart: number; // NaN-free: eventStart === eventEnd when the record has no event field
  eventEnd: number; // excludes the trailing ':'
  restStart: number; // first non-blank byte after the event token (== line end when none)
  sideband: boolean; // PERF_RECORD_* record in place of an event
}

export function newEventHead(): EventHead {
  return { commStart: 0, commEnd: 0, pidEnd: 0, pid: -1, tid: -1, cpu: -1, hasTime: false, sec: 0, ns: 0, period: NaN, eventStart: 0, eventEnd: 0, restStart: 0, sideband: false };
}

const MAX_HEAD_TOKENS = 24;
const tokStart = new Int32Array(MAX_HEAD_TOKENS);
const tokEnd = new Int32Array(MAX_HEAD_TOKENS);

const SPACE = 32;
const TAB = 9;
const COLON = 58;
const isDigit = (c: number) => c >= 48 && c <= 57;

function tokenize(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let i = start;
  while (i < end && n < MAX_HEAD_TOKENS) {
    while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
    if (i >= end) break;
    tokStart[n] = i;
    while (i < end && buf[i] !== SPACE && buf[i] !== TAB) i++;
    tokEnd[n++] = i;
  }
  return n;
}

/** `[007]` → 7, else -1. */
function cpuToken(buf: Buffer, s: number, e: number): number {
  if (e - s < 3 || buf[s] !== 91 || buf[e - 1] !== 93) return -1;
  let v = 0;
  for (let i = s + 1; i < e - 1; i++) {
    const c = buf[i];
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 48);
  }
  return v <= MAX_CPU ? v : -1;
}

/** `12345.678901:` → fills sec/ns; true when the token is a time. */
function timeToken(buf: Buffer, s: number, e: number, head: EventHead): boolean {
  if (e - s < 4 || buf[e - 1] !== COLON) return false;
  let i = s;
  let sec = 0;
  while (i < e && isDigit(buf[i])) sec = sec * 10 + (buf[i++] - 48);
  if (i === s || buf[i] !== 46) return false;
  const fracStart = ++i;
  let frac = 0;
  while (i < e - 1 && isDigit(buf[i])) frac = frac * 10 + (buf[i++] - 48);
  const digits = i - fracStart;
  if (i !== e - 1 || digits === 0 || digits > 9) return false;
  head.sec = sec;
  head.ns = frac * 10 ** (9 - digits);
  return true;
}

/** Signed decimal over the whole token, or NaN. */
function intToken(buf: Buffer, s: number, e: number): number {
  let i = s;
  let sign = 1;
  if (buf[i] === 45) {
    sign = -1;
    i++;
  }
  if (i >= e) return NaN;
  let v = 0;
  for (; i < e; i++) {
    const c = buf[i];
    if (!isDigit(c)) return NaN;
    v = v * 10 + (c - 48);
  }
  return sign * v;
}

/** `pid` or `pid/tid` (either may be -1); fills pid/tid and returns true on success. */
function pidToken(buf: Buffer, s: number, e: number, head: EventHead): boolean {
  const slash = buf.indexOf(47, s);
  if (slash >= 0 && slash < e) {
    const pid = intToken(buf, s, slash);
    const tid = intToken(buf, slash + 1, e);
    if (pid !== pid || tid !== tid) return false;
    head.pid = pid;
    head.tid = tid;
    return true;
  }
  const tid = intToken(buf, s, e);
  if (tid !== tid) return false;
  head.pid = -1;
  head.tid = tid;
  return true;
}

const PERF_RECORD = Buffer.from('PERF_RECORD_');

/**
 * Scan the head of one line. Returns false when the line is not a record head. With
 * `requireAnchor`, a head without `[cpu]` or time is rejected (used to tell indented
 * frames from padded event lines).
 */
export function scanEventHead(buf: Buffer, start: number, end: number, head: EventHead, requireAnchor: boolean): boolean {
  const n = tokenize(buf, start, end);
  if (n < 2) return false;
  head.cpu = -1;
  head.hasTime = false;
  head.period = NaN;
  head.sideband = false;
  let pidIdx = -1;
  let next = -1; // token index where the optional period / event starts
  for (let k = 1; k < n; k++) {
    const cpu = cpuToken(buf, tokStart[k], tokEnd[k]);
    if (cpu >= 0) {
      if (!pidToken(buf, tokStart[k - 1], tokEnd[k - 1], head)) return false;
      head.cpu = cpu;
      pidIdx = k - 1;
      next = k + 1;
      if (next < n && timeToken(buf, tokStart[next], tokEnd[next], head)) {
        head.hasTime = true;
        next++;
      }
      break;
    }
    if (timeToken(buf, tokStart[k], tokEnd[k], head)) {
      if (!pidToken(buf, tokStart[k - 1], tokEnd[k - 1], head)) return false;
      head.hasTime = true;
      pidIdx = k - 1;
      next = k + 1;
      break;
    }
  }
  if (pidIdx < 0) {
    if (requireAnchor) return false;
    // No cpu and no time (perf 3.x, `-F comm,tid,event`): event = first `name:` after a pid.
    for (let k = 1; k < n; k++) {
      if (buf[tokEnd[k] - 1] === COLON && tokEnd[k] - tokStart[k] > 1 && pidToken(buf, tokStart[k - 1], tokEnd[k - 1], head)) {
        pidIdx = k - 1;
        next = k;
        break;
      }
    }
    if (pidIdx < 0) return false;
  }
  head.commStart = tokStart[0];
  head.commEnd = pidIdx > 0 ? tokEnd[pidIdx - 1] : tokStart[0];
  head.pidEnd = tokEnd[pidIdx];
  if (next >= n) {
    // Head ends at the anchor: a record without an event field.
    head.eventStart = head.eventEnd = head.restStart = end;
    return true;
  }
  if (next + 1 < n && buf[tokEnd[next] - 1] !== COLON) {
    const period = intToken(buf, tokStart[next], tokEnd[next]);
    if (period === period && buf[tokEnd[next + 1] - 1] === COLON) {
      head.period = period;
      next++;
    }
  }
  const es = tokStart[next];
  const ee = tokEnd[next];
  if (buf[ee - 1] === COLON && ee - es > 1) {
    head.eventStart = es;
    head.eventEnd = ee - 1;
    head.restStart = ee < end ? ee + 1 : end;
  } else if (ee - es >= PERF_RECORD.length && buf.compare(PERF_RECORD, 0, PERF_RECORD.length, es, es + PERF_RECORD.length) === 0) {
    head.sideband = true;
    head.eventStart = es;
    head.eventEnd = ee;
    head.restStart = ee < end ? ee + 1 : end;
  } else {
    // `-F …,ip,sym` without `event`: the rest starts right here.
    head.eventStart = head.eventEnd = es;
    head.restStart = es;
  }
  while (head.restStart < end && (buf[head.restStart] === SPACE || buf[head.restStart] === TAB)) head.restStart++;
  return true;
}
