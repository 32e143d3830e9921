import { DETECTORS } from '../detectors/registry.js';
import type { TraceModel } from '../model/trace-model.js';
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

/** Run every registered detector over every input, in registry then input order. */
export function runDetectors(models: TraceModel[]): { findings: Finding[]; skipped: Skipped[] } {
  const findings: Finding[] = [];
  const skipped: Skipped[] = [];
  for (const detector of DETECTORS) {
    for (const model of models) {
      const result = detector.run(model, { ...detector.defaults });
      if ('skipped' in result) skipped.push({ detector: detector.id, reason: result.skipped, capture_hint: result.captureHint });
      else findings.push(...result.findings.map((f) => ({ detector: detector.id, ...f })));
    }
  }
  return { findings, skipped };
}
