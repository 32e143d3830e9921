import { KINDS } from '../model/schema.js';
import type { TraceModel } from '../model/trace-model.js';
import { SECTIONS } from './sections/index.js';

/** The `inputs[]` entry of the findings document (DESIGN §8), in its key order. */
export interface InputSummary {
  path: string;
  format: string;
  bytes: number;
  events: number;
  samples: number;
  cpus: number;
  duration_ns: number | null;
  per_cpu: Record<string, number>;
  by_kind: Record<string, number>;
  diagnostics: {
    code: string;
    severity: string;
    count: number;
    message: string;
    first: { line?: number; byte?: number; excerpt?: string };
  }[];
  /** Format-specific blocks (see sections/), keyed by section id; absent when none apply. */
  details?: Record<string, unknown>;
}

/**
 * Count events and samples per CPU (`-1` = the format printed no CPU) and per kind. Event rows
 * were counted by the builder as they were written; only samples are counted here.
 */
export function summarizeInput(model: TraceModel, path: string): InputSummary {
  const stats = model.eventStats;
  // Dense per-CPU counts at index cpu + 1 (-1 "unknown" is slot 0): parsers accept CPUs ≤ MAX_CPU.
  let perCpu = Float64Array.from(stats.cpuCounts);
  const byKind = Array.from(stats.kindCounts.subarray(0, KINDS.length));
  let minTs = stats.startNs;
  let maxTs = stats.endNs;
  const s = model.samples;
  for (let i = 0; i < s.tsNs.length; i++) {
    const slot = s.cpu[i] + 1;
    if (slot >= perCpu.length) {
      const grown = new Float64Array(Math.max(slot + 1, perCpu.length * 2));
      grown.set(perCpu);
      perCpu = grown;
    }
    perCpu[slot]++;
    const ts = s.tsNs[i];
    if (ts < minTs) minTs = ts;
    if (ts > maxTs) maxTs = ts;
  }
  byKind[0] += s.tsNs.length;

  const cpuIds: number[] = [];
  perCpu.forEach((n, slot) => n > 0 && cpuIds.push(slot - 1));
  const seenCpus = cpuIds.filter((c) => c >= 0);
  const cpus = model.meta.cpuCount ?? (seenCpus.length > 0 ? seenCpus[seenCpus.length - 1] + 1 : 0);
  return {
    path,
    format: model.meta.format,
    bytes: model.meta.sourceBytes,
    events: model.eventCount + model.sampleCount,
    samples: model.sampleCount,
    cpus,
    duration_ns: maxTs >= minTs ? maxTs - minTs : null,
    per_cpu: Object.fromEntries(cpuIds.map((c) => [String(c), perCpu[c + 1]])),
    by_kind: Object.fromEntries(KINDS.map((k, i) => [k, byKind[i]]).filter(([, n]) => (n as number) > 0)),
    diagnostics: model.diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      count: d.count,
      message: d.message,
      first: compact({ line: d.first.line, byte: d.first.byteOffset, excerpt: d.first.excerpt }),
    })),
    ...sectionDetails(model),
  };
}

function sectionDetails(model: TraceModel): { details?: Record<string, unknown> } {
  const details: Record<string, unknown> = {};
  for (const section of SECTIONS) if (section.json !== undefined && section.applies(model)) details[section.id] = section.json(model);
  return Object.keys(details).length > 0 ? { details } : {};
}

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
