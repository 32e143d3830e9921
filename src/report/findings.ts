import type { InputSummary } from './input-summary.js';

/**
 * The findings document (DESIGN §8), schema `tracelens.findings/v1`. Detectors fill
 * `findings` and `skipped`; until they exist both are empty. Serialisation is
 * deterministic: fixed key order, inputs in argument order, no timestamps or host facts.
 */
export const FINDINGS_SCHEMA = 'tracelens.findings/v1';
export const TOOL = { name: 'tracelens', version: '0.1.0' } as const;

export type FindingSeverity = 'info' | 'warning' | 'error';
export const SEVERITY_RANK: Record<FindingSeverity, number> = { info: 0, warning: 1, error: 2 };

export interface Finding {
  detector: string;
  severity: FindingSeverity;
  title: string;
  message: string;
  metrics: Record<string, number | string>;
  evidence: Record<string, unknown>;
  recommendation: string;
  window: { start_ns: number; end_ns: number } | null;
}

export interface Skipped {
  detector: string;
  reason: string;
  capture_hint: string;
}

export interface FindingsDocument {
  schema: typeof FINDINGS_SCHEMA;
  tool: typeof TOOL;
  inputs: InputSummary[];
  findings: Finding[];
  skipped: Skipped[];
}

export function findingsDocument(inputs: InputSummary[], findings: Finding[] = [], skipped: Skipped[] = []): FindingsDocument {
  const ordered = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  return { schema: FINDINGS_SCHEMA, tool: TOOL, inputs, findings: ordered, skipped };
}

export function renderJson(doc: FindingsDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
