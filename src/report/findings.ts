import type { DetectorFinding, DetectorSeverity } from '../detectors/registry.js';
import { DETECTORS, detectorById, runDetector } from '../detectors/registry.js';
import { traceFacts } from '../detectors/trace-facts.js';
import type { TraceModel } from '../model/trace-model.js';
import type { InputSummary } from './input-summary.js';

/**
 * The findings document (DESIGN §8), schema `tracelens.findings/v1`. Detectors fill
 * `findings` and `skipped`. Serialisation is deterministic: fixed key order, inputs in
 * argument order, findings worst first (ties: registry order, then the detector's own
 * order, then input order), no timestamps or host facts. Detectors round shares and
 * fractions to 4 decimals, ratios to 3, rates to 2 and nanoseconds to integers.
 */
export const FINDINGS_SCHEMA = 'tracelens.findings/v1';
export const TOOL = { name: 'tracelens', version: '0.1.0' } as const;

export type FindingSeverity = DetectorSeverity;
export const SEVERITY_RANK: Record<FindingSeverity, number> = { info: 0, warning: 1, error: 2 };

/** A detector's finding as the document carries it: the detector's id first, then its fields. */
export type Finding = { detector: string } & DetectorFinding;

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
  // Array.prototype.sort is stable: equal severities keep runDetectors' order.
  const ordered = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  return { schema: FINDINGS_SCHEMA, tool: TOOL, inputs, findings: ordered, skipped };
}

export function renderJson(doc: FindingsDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Threshold overrides per detector id, from `--set id.key=value`. */
export type DetectorSettings = Record<string, Record<string, number>>;

/** A bad `--set`: the CLI turns it into exit 2 with this message. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Parse and validate `id.key=value` assignments against the registry's defaults. */
export function parseDetectorSettings(assignments: readonly string[]): DetectorSettings {
  const out: DetectorSettings = {};
  for (const text of assignments) {
    const m = /^([a-z0-9-]+)\.([a-z0-9_]+)=(.*)$/.exec(text.trim());
    if (m === null) throw new SettingsError(`--set ${JSON.stringify(text)}: expected detector.key=value, e.g. irq-pinned.share_min=0.8`);
    const [, id, key, raw] = m;
    const detector = detectorById(id);
    if (detector === undefined) throw new SettingsError(`--set ${text}: unknown detector "${id}" (known: ${DETECTORS.map((d) => d.id).join(', ')})`);
    if (!(key in detector.defaults)) {
      throw new SettingsError(`--set ${text}: ${id} has no setting "${key}" (known: ${Object.keys(detector.defaults).join(', ')})`);
    }
    const value = raw === 'true' ? 1 : raw === 'false' ? 0 : raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(value)) throw new SettingsError(`--set ${text}: "${raw}" is not a number`);
    (out[id] ??= {})[key] = value;
  }
  return out;
}

/** Every detector's settings with defaults and meaning (for help text and docs). */
export function describeSettings(): string[] {
  return DETECTORS.flatMap((d) => Object.entries(d.defaults).map(([k, v]) => `${d.id}.${k}=${v}  ${d.settingsDoc[k] ?? ''}`));
}

/**
 * Run every registered detector over every input, in registry then input order. With
 * several inputs, a skip reason names the input it applies to.
 */
export function runDetectors(models: TraceModel[], settings: DetectorSettings = {}): { findings: Finding[]; skipped: Skipped[] } {
  const findings: Finding[] = [];
  const skipped: Skipped[] = [];
  const facts = models.map((m) => traceFacts(m));
  for (const detector of DETECTORS) {
    models.forEach((model, i) => {
      const result = runDetector(detector, model, settings[detector.id] ?? {}, facts[i]);
      if ('skipped' in result) {
        const reason = models.length > 1 ? `${model.meta.source}: ${result.skipped}` : result.skipped;
        skipped.push({ detector: detector.id, reason, capture_hint: result.captureHint });
      } else {
        findings.push(...result.findings.map((f) => ({ detector: detector.id, ...f })));
      }
    });
  }
  return { findings, skipped };
}
