import type { TraceModel } from '../model/trace-model.js';
import { gnttabLock } from './gnttab-lock.js';
import { hotLock } from './hot-lock.js';
import { irqPinned } from './irq-pinned.js';
import { ringFull } from './ring-full.js';
import { tlbPerSyscall } from './tlb-per-syscall.js';
import { traceFacts } from './trace-facts.js';
import type { Detector, DetectorResult } from './contract.js';

// The contract lives in contract.ts so detectors do not import the registry that imports them.
export type { Detector, DetectorContext, DetectorFinding, DetectorResult, DetectorSeverity, MetricValue } from './contract.js';

/** Registry order is also the tie-break order of findings of equal severity. */
export const DETECTORS: readonly Detector[] = [gnttabLock, tlbPerSyscall, irqPinned, ringFull, hotLock];

export function detectorById(id: string): Detector | undefined {
  return DETECTORS.find((d) => d.id === id);
}

/** Run one detector on one model with its defaults overlaid by `overrides`. */
export function runDetector(detector: Detector, model: TraceModel, overrides: Readonly<Record<string, number>> = {}, facts = traceFacts(model)): DetectorResult {
  return detector.run({ model, facts, settings: { ...detector.defaults, ...overrides } });
}
