import { describe, expect, it } from 'vitest';
import { newEventHead, scanEventHead } from '../../../src/parsers/perf-script/event-line.js';

/** Scan one line and return the fields as strings, or null when it is not a record head. */
function scan(line: string, requireAnchor = false) {
  const buf = Buffer.from(line);
  const h = newEventHead();
  if (!scanEventHead(buf, 0, buf.length, h, requireAnchor)) return null;
  return {
    comm: buf.toString('utf8', h.commStart, h.commEnd),
    pid: h.pid,
    tid: h.tid,
    cpu: h.cpu,
    time: h.hasTime ? `${h.sec}.${String(h.ns).padStart(9, '0')}` : null,
    period: Number.isNaN(h.period) ? null : h.period,
    event: buf.toString('utf8', h.eventStart, h.eventEnd),
    rest: buf.toString('utf8', h.restStart),
    sideband: h.sideband,
  };
}

describe('perf script record heads (grammar ladder, FORMATS.md §1.3)', () => {
  it('callchain mode: unpadded comm, tid, cpu, time, period, event with modifiers', () => {
    expect(scan('perf-exec  8061 [000]   454.367055:     500000 cpu-clock:ppp: ')).toEqual({
      comm: 'perf-exec', pid: -1, tid: 8061, cpu: 0, time: '454.367055000', period: 500000, event: 'cpu-clock:ppp', rest: '', sideband: false,
    });
  });

  it('pid/tid form and a comm truncated to 15 characters', () => {
    expect(scan('simple-terminat     9/9     198791.127353: cpu-clock:')).toMatchObject({ comm: 'simple-terminat', pid: 9, tid: 9, cpu: -1, time: '198791.127353000', event: 'cpu-clock' });
    expect(scan('iperf 27409/28744 [000] 441995.133575: cpu-clock:')).toMatchObject({ pid: 27409, tid: 28744, cpu: 0 });
  });

  it('no cpu column, period before the event', () => {
    expect(scan('dd 29776 666709.771979:   10101010 cpu-clock:')).toMatchObject({ comm: 'dd', tid: 29776, cpu: -1, period: 10101010, event: 'cpu-clock' });
  });

  it('perf 3.x: neither time nor cpu', () => {
    expect(scan('func_ab 15294 cpu-clock: ')).toMatchObject({ comm: 'func_ab', tid: 15294, time: null, cpu: -1, event: 'cpu-clock' });
    expect(scan('java  3244 cpu-clock:')).toMatchObject({ comm: 'java', tid: 3244, event: 'cpu-clock' });
  });

  it('comm with spaces, digits and colons; the pid is the last integer before the anchor', () => {
    expect(scan('Web Content 1234 [003] 10.000001: cycles:u: ')).toMatchObject({ comm: 'Web Content', tid: 1234, cpu: 3 });
    expect(scan('kworker/0:1 17 [000] 5.5: cpu-clock:')).toMatchObject({ comm: 'kworker/0:1', tid: 17 });
    expect(scan('java 11008 11008 [001] 1.000001: cpu-clock:')).toMatchObject({ comm: 'java 11008', tid: 11008 });
  });

  it('padded tracepoint line with its payload', () => {
    expect(scan('  perf  5375 [007] 59632.478528:   raw_syscalls:sys_enter: NR 1 (3, 9fb888, 8, 2d83740, 1, 7ffff)', true)).toMatchObject({
      comm: 'perf', tid: 5375, cpu: 7, event: 'raw_syscalls:sys_enter', rest: 'NR 1 (3, 9fb888, 8, 2d83740, 1, 7ffff)',
    });
  });

  it('9-decimal --ns times are exact', () => {
    expect(scan('sh 10/10 1732328.292161386: cpu-clock:')).toMatchObject({ time: '1732328.292161386' });
  });

  it('exited task `:-1 -1` and PERF_RECORD side-band records', () => {
    expect(scan(':-1    -1 [001] 3.000001: cpu-clock:')).toMatchObject({ comm: ':-1', tid: -1, cpu: 1 });
    expect(scan('perf  1234 [002] 12345.678901: PERF_RECORD_LOST lost 17')).toMatchObject({ sideband: true, event: 'PERF_RECORD_LOST', rest: 'lost 17' });
  });

  it('event line without a callchain carries ip, symbol and DSO', () => {
    expect(scan('           false 39654 19115.489713:          1 cycles:u:  ffffffff9b201293 [unknown] ([unknown])')).toMatchObject({
      comm: 'false', period: 1, event: 'cycles:u', rest: 'ffffffff9b201293 [unknown] ([unknown])',
    });
  });

  it('rejects frames, prose and broken heads', () => {
    expect(scan('\tffffffff8101caaf default_idle ([kernel.kallsyms])', true)).toBeNull();
    expect(scan('            414b3b fsnotify (/lib/modules/4.1.0-virtual/build/vmlinux)', true)).toBeNull();
    expect(scan('this is just prose without a head')).toBeNull();
    expect(scan('comm notanumber [001] 1.5: cpu-clock:')).toBeNull();
    expect(scan('')).toBeNull();
  });
});
