import type { TraceBuilder } from '../../model/builder.js';
import type { ParseHooks } from '../format.js';
import { parseLines } from '../format.js';
import { latin1 } from '../input/bytes.js';
import type { InputSource } from '../input/source.js';
import type { LineSink } from '../input/lines.js';
import { PcpuState } from './attribution.js';
import { finishTimes } from './binary.js';
import { clockFor, warnDefaultClock } from './clock.js';
import type { Timebase } from './merge.js';
import { Merger } from './merge.js';
import { A0, A1, A2, A3, DOM, KIND, NAME, STR0, STRIDE, VCPU } from './row-queue.js';
import { MAX_PCPU, TEXT_LINE } from './sniff.js';
import { decodeText } from './text-records.js';

/**
 * xentrace_format text (FORMATS.md §3.9): `CPU3  50475882825885 (+    1234)  name  [ fields ]`.
 * The prefix is parsed strictly; the name runs to the `[` or to the first run of two blanks
 * (names may hold single spaces: `csched2:credit burn`, `hpet create`), the rest is the
 * defs file's business and is read best-effort. Quirks handled: records were printed in
 * *file* order, so they go through the same per-CPU merge as the binary; a record without a
 * TSC prints `0` and inherits its CPU's last one; `-c MHz` prints seconds with a fraction
 * (kept exact as sec + ns); `TSC stepped backward` lines are the tool's own warnings.
 */
const SECONDS = 1;
const TSC = 2;

class TextParser implements LineSink {
  private readonly pcpus = new PcpuState();
  readonly time: Timebase;
  readonly merger: Merger;
  mode = 0;
  // Base of the tick scale, split in two so that 20-digit TSCs subtract exactly.
  baseHi = 0;
  baseLo = 0;
  minTick = Infinity;
  private cpu = -1;
  private readonly names = new Map<string, number>();

  constructor(
    private readonly b: TraceBuilder,
    private readonly cpuHz: number,
  ) {
    this.time = { nsPerTick: 1e9 / cpuHz, offset: 0 };
    this.merger = new Merger(b, this.time);
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    const text = latin1(buf, start, end);
    const m = TEXT_LINE.exec(text);
    const cpu = m === null ? NaN : Number(m[1]);
    if (m === null || cpu > MAX_PCPU) return this.stray(text, lineNo);
    const tick = this.tick(m[2], lineNo, text);
    if (tick === null) return;
    const [name, fields] = splitName(m[4]);
    const rec = decodeText(name, fields);
    if (rec.skip) return;
    const st = this.pcpus;
    st.ensure(cpu);
    const q = this.merger.queue(cpu);
    // Lines come window by window, like the binary (a change of CPU starts a window).
    if (cpu !== this.cpu) this.merger.windowStart((this.cpu = cpu));
    const last = this.merger.lastTick[cpu];
    // tsc 0 = no TSC: the CPU's last one, but no earlier than the merge watermark (as for the binary).
    let ts = last < this.merger.floor ? this.merger.floor : last;
    if (tick === tick) {
      if (tick < last) {
        this.b.diagnostics.report('xentrace/tsc-backwards', 'warning', 'TSC went backwards within one pCPU (kept the record, in file order for that pCPU)', {
          line: lineNo,
          excerpt: text,
        });
      } else if (last !== last) q.fillTicks(tick);
      ts = this.merger.lastTick[cpu] = tick;
      if (tick < this.minTick) this.minTick = tick;
    }
    if (rec.runs !== null) [st.dom[cpu], st.vcpu[cpu]] = rec.runs;
    const name0 = this.nameId(name);
    const str0 = rec.str === null ? -1 : this.b.pool.intern(rec.str);
    const o = q.push() * STRIDE;
    const rows = q.rows;
    rows[o] = ts;
    rows[o + KIND] = rec.kind;
    rows[o + NAME] = name0;
    rows[o + DOM] = rec.xen ? 0x7fff : st.dom[cpu];
    rows[o + VCPU] = rec.xen ? -1 : st.vcpu[cpu];
    [rows[o + A0], rows[o + A1], rows[o + A2], rows[o + A3]] = rec.a;
    rows[o + STR0] = str0;
  }

  end(): void {}

  /** Ticks: ns since the first line's second (`-c` seconds) or TSC cycles since the first TSC; NaN = no TSC. */
  private tick(field: string, lineNo: number, text: string): number | null {
    const dot = field.indexOf('.');
    const mode = dot >= 0 ? SECONDS : TSC;
    if (/^0(\.0*)?$/.test(field)) return NaN;
    const hi = Number((dot >= 0 ? field.slice(0, dot) : field.slice(0, -9)) || '0');
    const lo = dot >= 0 ? Number(field.slice(dot + 1, dot + 10).padEnd(9, '0')) : Number(field.slice(-9));
    if (this.mode === 0) this.setBase(mode, hi, lo);
    else if (mode !== this.mode) {
      this.b.diagnostics.report('xentrace/bad-line', 'warning', 'timestamp in seconds and in TSC cycles mixed in one file; line skipped', { line: lineNo, excerpt: text });
      return null;
    }
    return (hi - this.baseHi) * 1e9 + (lo - this.baseLo);
  }

  private setBase(mode: number, hi: number, lo: number): void {
    this.mode = mode;
    this.baseHi = hi;
    this.baseLo = lo;
    let ns: bigint;
    if (mode === SECONDS) {
      this.time.nsPerTick = 1;
      ns = BigInt(hi) * 1_000_000_000n + BigInt(lo);
    } else {
      const hz = BigInt(Math.round(this.cpuHz));
      ns = ((BigInt(hi) * 1_000_000_000n + BigInt(lo)) * 1_000_000_000n + hz / 2n) / hz;
    }
    this.b.time(Number(ns / 1_000_000_000n), 0);
    this.time.offset = Number(ns % 1_000_000_000n);
  }

  private stray(text: string, lineNo: number): void {
    if (text.trim() === '' || text.startsWith('TSC stepped backward')) return;
    this.b.diagnostics.report('xentrace/bad-line', 'warning', 'not a xentrace_format record line', { line: lineNo, excerpt: text });
  }

  private nameId(name: string): number {
    let id = this.names.get(name);
    if (id === undefined) {
      id = this.b.pool.intern(name);
      this.names.set(name, id);
    }
    return id;
  }

  get cpuCount(): number {
    return this.pcpus.count;
  }
}

/** `csched2:credit burn    [ … ]` → name, fields; `lost_records      0x0000000a` → name, value. */
export function splitName(rest: string): [string, string] {
  const open = rest.indexOf('[');
  const head = (open >= 0 ? rest.slice(0, open) : rest).trimEnd();
  const gap = /\s{2,}|\t/.exec(head);
  const name = (gap === null ? head : head.slice(0, gap.index)).trim();
  if (open < 0) return [name, gap === null ? '' : head.slice(gap.index).trim()];
  const close = rest.lastIndexOf(']');
  return [name, rest.slice(open + 1, close > open ? close : undefined).trim()];
}

export async function parseText(input: InputSource, b: TraceBuilder, hooks: ParseHooks): Promise<void> {
  const clock = clockFor(b, hooks.cpuHz);
  const parser = new TextParser(b, clock.cpuHz);
  await parseLines(input, parser, hooks);
  if (parser.mode === 0) b.time(0, 0);
  const minTick = parser.minTick === Infinity ? 0 : parser.minTick;
  parser.merger.flushAll(minTick);
  finishTimes(b, parser.merger, parser.time.offset + Math.round(minTick * parser.time.nsPerTick));
  b.meta.cpuCount = parser.cpuCount;
  const seconds = parser.mode === SECONDS;
  b.meta.header.layout = `xentrace_format text, ${seconds ? 'times in seconds (-c MHz)' : 'TSC cycles'}`;
  if (seconds) {
    b.meta.header['cpu hz'] = 'not needed (times printed in seconds)';
    b.meta.cpuHz = null;
  } else warnDefaultClock(b, clock);
}
