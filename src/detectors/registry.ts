import type { TraceModel } from '../model/trace-model.js';

/**
 * The detector contract (DESIGN §5). A detector reads the model, declares what it needs,
 * and returns findings; when the trace lacks its signal it says so, with the capture
 * command that would feed it. Adding a detector = one file + one line in DETECTORS.
 */
export type DetectorSeverity = 'info' | 'warning' | 'error';

export interface DetectorFinding {
  severity: DetectorSeverity;
  title: string;
  message: string;
  metrics: Record<string, number | string>;
  evidence: Record<string, unknown>;
  recommendation: string;
  window: { start_ns: number; end_ns: number } | null;
}

export type DetectorResult = { findings: DetectorFinding[] } | { skipped: string; captureHint: string };

export interface Detector {
  id: string;
  /** Default thresholds, overridable with `--set id.key=value`. */
  defaults: Record<string, number>;
  run(model: TraceModel, settings: Record<string, number>): DetectorResult;
}

/** Empty until the first detectors land (issue 6); analyze already runs whatever is here. */
export const DETECTORS: readonly Detector[] = [];
