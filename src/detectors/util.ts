import type { TraceModel } from '../model/trace-model.js';
import type { DetectorSeverity } from './contract.js';

/**
 * Small helpers shared by the detectors: fixed rounding (so the findings JSON is
 * byte-stable and readable), percentiles, thread/vCPU labels, and format-specific
 * capture hints.
 */

/** Shares and fractions: 4 decimals. */
export function share(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : 0;
}

/** Rates and ratios: 3 decimals. */
export function ratio(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e3) / 1e3 : 0;
}

/** Nanoseconds: whole numbers. */
export function ns(x: number): number {
  return Number.isFinite(x) ? Math.round(x) : 0;
}

/** Per-second rate over `durationNs`, or null when the trace has no time. */
export function perSecond(count: number, durationNs: number): number | null {
  return durationNs > 0 ? Math.round((count / durationNs) * 1e9 * 100) / 100 : null;
}

/** Nearest-rank percentile of `values` (sorted in place). */
export function percentile(values: Float64Array | number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = values instanceof Float64Array ? values.sort() : values.sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Escalate by thresholds: error at or above `error`, warning at or above `warning`, else info. */
export function severityFor(value: number, warning: number, error: number): DetectorSeverity {
  if (value >= error) return 'error';
  if (value >= warning) return 'warning';
  return 'info';
}

/** `comm (tid N)` for a utid; `dNvM` for Xen records without threads; `cpuN` as the last resort. */
export function threadLabel(model: TraceModel, utid: number): string {
  const t = model.threads[utid];
  return t === undefined ? `utid ${utid}` : `${t.comm} (tid ${t.tid})`;
}

export function vcpuLabel(domain: number, vcpu: number): string {
  return `d${domain < 0 ? '?' : domain}v${vcpu < 0 ? '?' : vcpu}`;
}

/** A stack as `leaf ← caller ← …`, at most `depth` frames. */
export function stackText(model: TraceModel, stack: number, depth = 8): string {
  const funcs = model.stackFuncs(stack);
  return funcs.slice(0, depth).join(' ← ') + (funcs.length > depth ? ' ← …' : '');
}

/** Sort [key, weight] pairs by weight desc, key asc: deterministic tables whatever the Map order. */
export function topEntries<K extends string | number>(m: Map<K, number>, n: number): [K, number][] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, n);
}

/** Format-specific capture commands; `other` covers formats added later. */
export interface CaptureHints {
  'perf-script': string;
  ftrace: string;
  xentrace: string;
  xenoprof: string;
}

export function captureHint(hints: CaptureHints, format: string): string {
  return (hints as unknown as Record<string, string>)[format] ?? hints['perf-script'];
}

/** The window of a finding; null when the trace has no time. */
export function window(startNs: number, endNs: number): { start_ns: number; end_ns: number } | null {
  return Number.isFinite(startNs) && Number.isFinite(endNs) && endNs >= startNs ? { start_ns: ns(startNs), end_ns: ns(endNs) } : null;
}

/**
 * A test on the string a string id names, asked once per id and remembered in a typed array:
 * detectors ask it per row, where a Map lookup per row cost more than the rest of their work.
 */
export function stringIdTest(model: TraceModel, test: (s: string) => boolean): (id: number) => boolean {
  const known = new Int8Array(model.strings.length).fill(-1); // 1 yes, 0 no, -1 not asked yet
  return (id: number) => {
    if (id < 0) return false;
    if (id >= known.length) return test(model.str(id));
    if (known[id] < 0) known[id] = test(model.str(id)) ? 1 : 0;
    return known[id] === 1;
  };
}
