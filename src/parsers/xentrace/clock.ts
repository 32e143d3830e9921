import type { TraceBuilder } from '../../model/builder.js';

/**
 * TSC → time. The file does not say how fast the TSC ticks (FORMATS.md §3.4): the user passes
 * `--cpu-hz` / `--cpu-mhz` (`xl info`: cpu_mhz), otherwise we assume xenalyze's default and say
 * so in the summary and the JSON (a warning diagnostic), because every duration depends on it.
 */
export const DEFAULT_CPU_HZ = 2.4e9;

export interface Clock {
  cpuHz: number;
  nsPerTick: number;
  given: boolean;
}

export function clockFor(b: TraceBuilder, cpuHz: number | undefined): Clock {
  const given = cpuHz !== undefined && cpuHz > 0;
  const hz = given ? (cpuHz as number) : DEFAULT_CPU_HZ;
  b.meta.cpuHz = hz;
  b.meta.clock = 'tsc';
  b.meta.header['cpu hz'] = `${hz} (${given ? 'given' : 'assumed: xenalyze default'})`;
  return { cpuHz: hz, nsPerTick: 1e9 / hz, given };
}

/** Reported once parsing is done, so that under --strict a malformed record is named first. */
export function warnDefaultClock(b: TraceBuilder, clock: Clock): void {
  if (clock.given) return;
  b.diagnostics.report(
    'xentrace/default-cpu-hz',
    'warning',
    `the TSC frequency is not in the file: times assume ${clock.cpuHz / 1e9} GHz (xenalyze's default); pass --cpu-hz or --cpu-mhz (xl info: cpu_mhz) for true times`,
  );
}

/** Absolute ns of an absolute TSC, exact in BigInt (TSCs exceed 2^53 on long-running hosts). */
export function tscToNs(hi: number, lo: number, tick: number, cpuHz: number): bigint {
  const abs = (BigInt(hi) << 32n) + BigInt(lo) + BigInt(tick);
  const hz = BigInt(Math.round(cpuHz));
  return (abs * 1_000_000_000n + hz / 2n) / hz;
}

/** A TRC_LOST_RECORDS record, as the decoder found it. */
export interface LostGap {
  pcpu: number;
  byteOffset: number;
  count: number;
  /** Ticks (relative TSC) when the loss began and when tracing resumed. */
  fromTick: number;
  toTick: number;
  dom: number;
  vcpu: number;
}

/** One data-loss diagnostic per LOST_RECORDS record, located, with the gap as times. */
export function reportLost(b: TraceBuilder, gaps: LostGap[], minTick: number, nsPerTick: number): void {
  const ms = (tick: number) => `${(((tick - minTick) * nsPerTick) / 1e6).toFixed(6)} ms`;
  for (const g of gaps) {
    b.diagnostics.report('xentrace/lost-records', 'warning', 'Xen dropped trace records (a per-pCPU trace buffer was full): the trace has gaps', {
      byteOffset: g.byteOffset,
      excerpt: `pCPU ${g.pcpu}: ${g.count} records lost between ${ms(g.fromTick)} and ${ms(g.toTick)} (d${g.dom}v${g.vcpu} running when tracing resumed)`,
    });
  }
}
