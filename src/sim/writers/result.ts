import type { SimRun } from '../simulate.js';
import type { FileSink } from './sink.js';

/** What a writer reports: counts as the parsers will count them, and the span it printed. */
export interface WriteResult {
  format: string;
  path: string;
  bytes: number;
  /** Records written (DESIGN §8 `events`: tracepoint lines, xentrace records, profile rows/samples). */
  records: number;
  /** Records by canonical model kind. */
  byKind: Record<string, number>;
  /** Sim time (ns) of the first and last record printed, for truth windows. */
  firstNs: number;
  lastNs: number;
  /** Format facts the truth file repeats (cpu_hz for xentrace, the captured domain …). */
  meta: Record<string, string | number>;
}

export interface Writer {
  id: 'perf-script' | 'ftrace' | 'xentrace' | 'xenoprof';
  write(run: SimRun, path: string): WriteResult;
}

/** Boot-relative clock origin of perf/ftrace timestamps (ns): a host up for ~70 minutes. */
export const BOOT_BASE_NS = 4_210_000_000_000;

/** `%5lu.%06lu` of a boot-relative time: perf and tracefs truncate to microseconds. */
export function writeUsecTime(sink: FileSink, simNs: number): void {
  const ns = BOOT_BASE_NS + simNs;
  const sec = Math.floor(ns / 1e9);
  sink.dec(sec, 5);
  sink.buf[sink.off++] = 46; // '.'
  sink.dec(Math.floor((ns - sec * 1e9) / 1000), 6, 48);
}

export function bump(byKind: Record<string, number>, kind: string, n = 1): void {
  byKind[kind] = (byKind[kind] ?? 0) + n;
}
