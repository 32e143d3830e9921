import type { TraceFormat } from '../format.js';
import { parseLines } from '../format.js';
import { sniffFtrace } from './sniff.js';

/** ftrace text: tracefs `trace`/`trace_pipe`, function/function_graph tracers, trace-cmd report (FORMATS.md §2). */
export const ftraceFormat: TraceFormat = {
  id: 'ftrace',
  title: 'ftrace text (tracefs trace, trace_pipe, trace-cmd report)',
  sniff: sniffFtrace,
  // The parser (and the payload grammar it builds) loads only when an input is ftrace.
  parse: async (input, builder, hooks) => {
    const { FtraceParser } = await import('./parser.js');
    return parseLines(input, new FtraceParser(builder), hooks);
  },
};
