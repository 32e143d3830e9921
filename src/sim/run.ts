import { writeFileSync } from 'node:fs';
import type { LogParts } from './log.js';
import type { Scenario } from './scenario.js';
import type { LogSelection, SimRun } from './simulate.js';
import { simulate } from './simulate.js';
import type { Format, Truth } from './truth.js';
import { truthFor } from './truth.js';
import type { WriteResult } from './writers/index.js';
import { writerById } from './writers/index.js';

export const FORMAT_IDS: readonly Format[] = ['perf-script', 'ftrace', 'xentrace', 'xenoprof'];

/** What a format needs logged: perf/ftrace one domain's tracepoints, xentrace hypervisor records, xenoprof busy time. */
export function recordFor(format: Format, s: Scenario): LogSelection {
  const none: LogParts = { guest: false, xen: false, segments: false };
  switch (format) {
    case 'perf-script':
      return (d) => (d === s.capture.domain ? { guest: true, xen: false, segments: true } : none);
    case 'ftrace':
      return (d) => (d === s.capture.domain ? { guest: true, xen: false, segments: false } : none);
    case 'xentrace':
      return () => ({ guest: false, xen: true, segments: false });
    case 'xenoprof':
      return () => ({ guest: false, xen: false, segments: true });
  }
}

export interface Generated {
  run: SimRun;
  written: WriteResult;
  truth: Truth;
  truthPath: string;
  /** Wall-clock split, for the generation-speed figure (README). */
  simulateMs: number;
  writeMs: number;
}

export function truthPathOf(out: string): string {
  return `${out}.truth.json`;
}

/** Simulate `s` with `seed`, write the trace in `format` to `out` and its truth beside it. */
export function generate(s: Scenario, seed: number, format: Format, out: string): Generated {
  const writer = writerById(format);
  if (writer === undefined) throw new Error(`no writer for ${format}`);
  let t0 = performance.now();
  const run = simulate(s, seed, recordFor(format, s));
  const simulateMs = performance.now() - t0;
  t0 = performance.now();
  const written = writer.write(run, out);
  const writeMs = performance.now() - t0;
  const truth = truthFor(run, format, written);
  const truthPath = truthPathOf(out);
  writeFileSync(truthPath, `${JSON.stringify(truth, null, 2)}\n`);
  return { run, written, truth, truthPath, simulateMs, writeMs };
}
