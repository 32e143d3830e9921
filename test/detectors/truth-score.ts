/**
 * Scoring detector findings against simulator ground truth (`tracelens.truth/v1`):
 * every injected pathology must be matched by a finding of the same detector whose metrics
 * agree — names equal (or one contains the other: `eth0` vs `eth0-q0`), identity numbers
 * (cpu, irq_number) equal, every other number within `tolerance` (relative) — and a
 * baseline must yield no warning or error.
 */
export interface TruthPathology {
  detector: string;
  where?: unknown;
  metrics: Record<string, number | string>;
  window?: { start_ns: number; end_ns: number };
}

export interface Truth {
  schema: string;
  scenario: string;
  format: string;
  pathologies: TruthPathology[];
}

export interface ScoredFinding {
  detector: string;
  severity: string;
  metrics: Record<string, number | string | null>;
}

const IDENTITY = new Set(['cpu', 'irq_number', 'vcpu', 'domain']);

/** Why `f` does not match `p`, or null when it does. */
export function mismatch(p: TruthPathology, f: ScoredFinding, tolerance: number): string | null {
  if (f.detector !== p.detector) return `detector ${f.detector}`;
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
  for (const p of truth.pathologies) {
    const candidates = findings.filter((f) => f.detector === p.detector);
    if (candidates.some((f) => mismatch(p, f, tolerance) === null)) continue;
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
