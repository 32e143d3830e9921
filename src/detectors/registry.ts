import type { TraceModel } from '../model/trace-model.js';
import { gnttabLock } from './gnttab-lock.js';
import { hotLock } from './hot-lock.js';
import { irqPinned } from './irq-pinned.js';
import { ringFull } from './ring-full.js';
import { tlbPerSyscall } from './tlb-per-syscall.js';
import type { TraceFacts } from './trace-facts.js';
import { traceFacts } from './trace-facts.js';

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

/** Registry order is also the tie-break order of findings of equal severity. */
export const DETECTORS: readonly Detector[] = [gnttabLock, tlbPerSyscall, irqPinned, ringFull, hotLock];

export function detectorById(id: string): Detector | undefined {
  return DETECTORS.find((d) => d.id === id);
}

/** Run one detector on one model with its defaults overlaid by `overrides`. */
export function runDetector(detector: Detector, model: TraceModel, overrides: Readonly<Record<string, number>> = {}, facts = traceFacts(model)): DetectorResult {
  return detector.run({ model, facts, settings: { ...detector.defaults, ...overrides } });
}
