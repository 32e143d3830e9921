import type { TraceFormat } from './format.js';
import { ftraceFormat } from './ftrace/index.js';
import { perfScriptFormat } from './perf-script/index.js';
import { xenoprofFormat } from './xenoprof/index.js';
import { xentraceFormat } from './xentrace/index.js';

/** Every format tracelens reads. Adding one = its folder + one line here. */
export const FORMATS: readonly TraceFormat[] = [perfScriptFormat, ftraceFormat, xenoprofFormat, xentraceFormat];

export function formatById(id: string): TraceFormat | undefined {
  return FORMATS.find((f) => f.id === id);
}

/** The most confident sniffer wins; ties go to registry order. */
export function sniffFormat(head: Buffer): TraceFormat | undefined {
  let best: TraceFormat | undefined;
  let bestScore = 0;
  for (const f of FORMATS) {
    const score = f.sniff(head);
    if (score > bestScore) {
      best = f;
      bestScore = score;
    }
  }
  return best;
}

