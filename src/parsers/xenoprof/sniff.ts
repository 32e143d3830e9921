import { headLines } from '../format.js';

/**
 * opreport text: its header lines (`CPU: …, speed … MHz`, `Counted … events (`), a column header
 * (`samples  %  …`) or an image-summary title (`CPU_CLK_UNHALT...|` over `samples|      %|`) is
 * conclusive — neither perf script nor ftrace prints any of them at a line start. Headerless
 * excerpts are recognised by their rows (`count  percent  [count  percent…]  name`), which perf
 * and ftrace lines never match: their lines start with a comm, a tab-indented address or `#`.
 */
const CONCLUSIVE = [
  /^CPU: .+, speed [\d.]+ MHz\b/,
  /^Counted \S+ events \(/,
  /^Profiling through timer interrupt\s*$/,
  /^(?:vma\s+)?samples\s+(?:cum\. samples\s+)?%\s+(?:cum\. %\s+)?(?:diff %\s+)?(?:samples|linenr info|image name|app name|symbol name)/,
];
const PCT = '(?:\\d+\\.\\d+(?:e[+-]\\d+)?|\\d+e[+-]\\d+|0)';
// The name must not start with a digit, so columns of plain numbers (vmstat, /proc files) do not pass.
const ROW = new RegExp(`^\\s*\\d+\\s+${PCT}(?:\\s+\\d+\\s+${PCT})*\\s+[^\\s\\d]`);

export function sniffXenoprof(head: Buffer): number {
  const lines = headLines(head, 60);
  let rows = 0;
  let other = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (CONCLUSIVE.some((re) => re.test(text))) return 0.95;
    if (/^\s*samples\|\s+%\|/.test(text) && /\S\|\s*$/.test(lines[i - 1] ?? '')) return 0.95;
    if (text.trim() === '') continue;
    if (ROW.test(text)) rows++;
    else other++;
  }
  if (rows < 2) return 0;
  return rows >= other ? 0.7 : 0.3;
}
