import type { TraceFormat } from '../format.js';
import { parseLines } from '../format.js';
import { sniffXenoprof } from './sniff.js';

/** OProfile / xenoprof `opreport` text: image summaries, symbol lists, callgraphs (FORMATS.md §4). */
export const xenoprofFormat: TraceFormat = {
  id: 'xenoprof',
  title: 'OProfile/xenoprof opreport text',
  sniff: sniffXenoprof,
  // The parser (and its opreport grammar) loads only when an input is an opreport.
  parse: async (input, builder, hooks) => {
    const { XenoprofParser } = await import('./parser.js');
    return parseLines(input, new XenoprofParser(builder), hooks);
  },
};
