import { headLines } from '../format.js';
import { newFtraceHead, scanFtraceLine } from './event-line.js';
import { newGraphLine, scanGraphLine } from './function-graph.js';

/**
 * ftrace text: a `# tracer:` header or a trace-cmd `cpus=N` first line is conclusive; otherwise
 * count lines with the record shape (`comm-pid [cpu] … ts:`) or the function_graph shape
 * (` 0) … |  func() {`). perf script never has `-pid` right before `[cpu]`, so its text scores
 * 0 here; pasted output inside prose still scores, lower, because prose dominates the head.
 */
export function sniffFtrace(head: Buffer): number {
  const lines = headLines(head, 80);
  const first = lines.find((l) => l.trim() !== '') ?? '';
  if (/^#\s*tracer:\s*\S/.test(first)) return 0.95;
  if (/^cpus=\d+\s*$/.test(first) || /^version\s*=\s*\d+\s*$/.test(first)) return 0.95;
  const h = newFtraceHead();
  const g = newGraphLine();
  let shaped = 0;
  let other = 0;
  for (const text of lines) {
    if (text.trim() === '') continue;
    if (/^#\s*tracer:\s*\S/.test(text) || /^cpus=\d+\s*$/.test(text)) {
      shaped++;
      continue;
    }
    if (text.startsWith('#') || /^\s*=> /.test(text)) continue;
    const buf = Buffer.from(text, 'latin1');
    if (scanFtraceLine(buf, 0, buf.length, h) || scanGraphLine(buf, 0, buf.length, g)) shaped++;
    else other++;
  }
  if (shaped === 0) return 0;
  return shaped >= other ? 0.85 : 0.5;
}
