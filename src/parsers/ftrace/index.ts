import type { TraceFormat } from '../format.js';
import { parseLines } from '../format.js';
import { FtraceParser } from './parser.js';
import { sniffFtrace } from './sniff.js';

/** ftrace text: tracefs `trace`/`trace_pipe`, function/function_graph tracers, trace-cmd report (FORMATS.md §2). */
export const ftraceFormat: TraceFormat = {
  id: 'ftrace',
  title: 'ftrace text (tracefs trace, trace_pipe, trace-cmd report)',
  sniff: sniffFtrace,
  parse: (input, builder, hooks) => parseLines(input, new FtraceParser(builder), hooks),
};
