import type { TraceFormat } from '../format.js';
import { parseLines } from '../format.js';
import { XenoprofParser } from './parser.js';
import { sniffXenoprof } from './sniff.js';

/** OProfile / xenoprof `opreport` text: image summaries, symbol lists, callgraphs (FORMATS.md §4). */
export const xenoprofFormat: TraceFormat = {
  id: 'xenoprof',
  title: 'OProfile/xenoprof opreport text',
  sniff: sniffXenoprof,
  parse: (input, builder, hooks) => parseLines(input, new XenoprofParser(builder), hooks),
};
