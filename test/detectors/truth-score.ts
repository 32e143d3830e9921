/**
 * Scoring detector findings against simulator ground truth (`tracelens.truth/v1`):
 * every injected pathology must be matched by a finding of the same detector whose metrics
 * agree — names equal (or one contains the other: `eth0` vs `eth0-q0`), identity numbers
 * (cpu, irq_number) equal, every other number within `tolerance` (relative) — and a
 * baseline must yield no warning or error. The pathology's `where` must name the finding too
 * (the queue, the task's tid or the domain, the IRQ device), and each finding matches at most one
 * pathology: eight threads with the same numbers need eight findings, not one.
 */
export interface TruthPathology {
  detector: string;
  where?: Record<string, unknown>;
  metrics: Record<string, number | string>;
  window?: { start_ns: number; end_ns: number };
}

export interface Truth {
  schema: string;
  scenario: string;
  format: string;
  meta?: Record<string, string | number>;
  pathologies: TruthPathology[];
}

export interface ScoredFinding {
  detector: string;
  severity: string;
  metrics: Record<string, number | string | null>;
}

const IDENTITY = new Set(['cpu', 'irq_number', 'vcpu', 'domain']);

/** Why the finding does not name the place `where` gives, or null when it does. */
function wrongPlace(p: TruthPathology, f: ScoredFinding): string | null {
  const w = p.where ?? {};
  const eq = (a: unknown, b: unknown) => String(a).toLowerCase() === String(b).toLowerCase();
  if (w.queue !== undefined && !eq(f.metrics.queue, w.queue)) return `queue ${f.metrics.queue} ≠ ${w.queue}`;
  if (w.irq !== undefined && !eq(f.metrics.irq, w.irq)) return `irq ${f.metrics.irq} ≠ ${w.irq}`;
  if (p.detector === 'tlb-per-syscall') {
    const task = String(f.metrics.task);
    // perf/ftrace: one entry per task, `comm (tid N)`; xentrace: per domain, `dN`.
    if (w.tid !== undefined ? !task.endsWith(`(tid ${w.tid})`) : w.domain !== undefined && task !== `d${w.domain}`) return `task ${task} ≠ ${JSON.stringify(w)}`;
  }
  return null;
}

/** Why `f` does not match `p`, or null when it does. */
export function mismatch(p: TruthPathology, f: ScoredFinding, tolerance: number): string | null {
  if (f.detector !== p.detector) return `detector ${f.detector}`;
  const place = wrongPlace(p, f);
  if (place !== null) return place;
  for (const [key, want] of Object.entries(p.metrics)) {
    const got = f.metrics[key];
    if (got === undefined || got === null) return `${key} missing`;
    if (typeof want === 'string' || typeof got === 'string') {
      const a = String(want).toLowerCase();
      const b = String(got).toLowerCase();
      if (!(a === b || a.includes(b) || b.includes(a))) return `${key} ${got} ≠ ${want}`;
    } else if (IDENTITY.has(key)) {
      if (got !== want) return `${key} ${got} ≠ ${want}`;
    } else if (Math.abs(got - want) > tolerance * Math.max(Math.abs(want), 1e-9)) {
      return `${key} ${got} not within ${tolerance * 100}% of ${want}`;
    }
  }
  return null;
}

/** Problems found; an empty list means the findings pass. */
export function score(truth: Truth, findings: ScoredFinding[], tolerance = 0.1): string[] {
  const problems: string[] = [];
  const used = new Set<ScoredFinding>();
  for (const p of truth.pathologies) {
    const candidates = findings.filter((f) => f.detector === p.detector);
    const match = candidates.find((f) => !used.has(f) && mismatch(p, f, tolerance) === null);
    if (match !== undefined) {
      used.add(match);
      continue;
    }
    const why = candidates.map((f) => mismatch(p, f, tolerance)).join('; ') || 'no finding from that detector';
    problems.push(`${truth.scenario}/${truth.format}: ${p.detector} ${JSON.stringify(p.metrics)} not found (${why})`);
  }
  if (/baseline/.test(truth.scenario)) {
    for (const f of findings) {
      if (f.severity === 'warning' || f.severity === 'error') problems.push(`${truth.scenario}/${truth.format}: baseline has ${f.severity} ${f.detector} ${JSON.stringify(f.metrics)}`);
    }
  }
  return problems;
}
