import { ftraceWriter } from './ftrace.js';
import { perfScriptWriter } from './perf-script.js';
import type { Writer } from './result.js';
import { xenoprofWriter } from './xenoprof.js';
import { xentraceWriter } from './xentrace.js';

/** Every format the simulator writes: one file per writer, one line here. */
export const WRITERS: readonly Writer[] = [perfScriptWriter, ftraceWriter, xentraceWriter, xenoprofWriter];

export function writerById(id: string): Writer | undefined {
  return WRITERS.find((w) => w.id === id);
}

export type { WriteResult, Writer } from './result.js';
