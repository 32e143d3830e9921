import type { TraceModel } from '../model/trace-model.js';
import type { TraceFacts } from './trace-facts.js';

/**
 * The detector contract (DESIGN §5). A detector reads the model, declares what it needs,
 * and returns findings; when the trace lacks its signal it says so, with the capture
 * command that would feed it. Adding a detector = one file + one line in DETECTORS.
 */
export type DetectorSeverity = 'info' | 'warning' | 'error';

/** Metric values: numbers and names; null when the format cannot measure it (e.g. a rate without timestamps). */
export type MetricValue = number | string | null;

export interface DetectorFinding {
  severity: DetectorSeverity;
  title: string;
  message: string;
  metrics: Record<string, MetricValue>;
  evidence: Record<string, unknown>;
  recommendation: string;
  window: { start_ns: number; end_ns: number } | null;
}

export type DetectorResult = { findings: DetectorFinding[] } | { skipped: string; captureHint: string };

/** What a detector gets: the model, facts computed once per model, and its effective thresholds. */
export interface DetectorContext {
  model: TraceModel;
  facts: TraceFacts;
  settings: Readonly<Record<string, number>>;
}

export interface Detector {
  id: string;
  /** One line: the pathology it looks for. */
  summary: string;
  /** What signal it needs, in words (also shown when it is skipped). */
  needs: string;
  /** Default thresholds, overridable with `--set id.key=value`; every key is documented in `settingsDoc`. */
  defaults: Readonly<Record<string, number>>;
  settingsDoc: Readonly<Record<string, string>>;
  run(ctx: DetectorContext): DetectorResult;
}
