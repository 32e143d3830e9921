import type { TraceFormat } from '../format.js';
import { headLines, parseLines } from '../format.js';
import { newEventHead, scanEventHead } from './event-line.js';
import { frameSymbolStart } from './frame-line.js';

/** `perf script` text: a `# ========` header, or a record head among the first lines. */
function sniff(head: Buffer): number {
  const lines = headLines(head);
  if (lines[0]?.startsWith('# ========')) return 0.9;
  const scratch = newEventHead();
  let heads = 0;
  let other = 0;
  for (const text of lines) {
    if (text.trim() === '' || text.startsWith('#')) continue;
    const buf = Buffer.from(text, 'latin1');
    // Indented lines are frames unless they carry a `[cpu]` or time anchor (padded comm).
    const indented = text[0] === ' ' || text[0] === '\t';
    if (scanEventHead(buf, 0, buf.length, scratch, indented)) heads++;
    else if (!indented || frameSymbolStart(buf, 0, buf.length) < 0) other++;
  }
  if (heads === 0) return 0;
  return heads >= other ? 0.8 : 0.3;
}

export const perfScriptFormat: TraceFormat = {
  id: 'perf-script',
  title: 'perf script text',
  sniff,
  // The parser (and the payload grammar it builds) loads only when an input is perf script.
  parse: async (input, builder, hooks) => {
    const { PerfScriptParser } = await import('./parser.js');
    return parseLines(input, new PerfScriptParser(builder), hooks);
  },
};
