import type { Diagnostics } from '../../model/diagnostics.js';

/**
 * What a line of opreport text is, decided from its shape before any grammar runs, and what to
 * say about lines that belong to no table. opreport's stderr is often merged into its stdout
 * (`warning: /ahci could not be found.`), and pasted reports come with shell prompts and prose.
 */
export type LineShape =
  | 'blank'
  | 'elision' // `...` or `.  .  .`: rows left out by whoever pasted the report
  | 'separator' // 79 `-`: callgraph entry boundary
  | 'rule' // `------------------` under an image-summary title
  | 'row' // starts with a count or a vma
  | 'column-header' // `samples  %  image name  symbol name`
  | 'summary-head' // `CPU_CLK_UNHALT...|` or `  samples|      %|`
  | 'command' // `$ opreport -l …`, `# opreport …`
  | 'text';

const SEPARATOR_MIN = 40;

export function lineShape(text: string): LineShape {
  const t = text.trim();
  if (t === '') return 'blank';
  if (/^\.(?:[.\s]*)$/.test(t)) return 'elision';
  if (/^-+$/.test(t)) return t.length >= SEPARATOR_MIN ? 'separator' : 'rule';
  // A count, or the 8/16 hex digits of a `vma` column (`-w`, `-d`).
  if (/^\d/.test(t) || /^(?:[0-9a-f]{8}){1,2}\s/.test(t)) return 'row';
  if (t.endsWith('|')) return 'summary-head';
  if (/^(?:vma\s+)?samples\s+(?:cum\. samples\s+)?%/.test(t)) return 'column-header';
  if (/^[$#]\s*op(?:report|annotate)\b/.test(t)) return 'command';
  return 'text';
}

/** A line that is no table part. Inside a table it is a malformed row; outside, prose. */
export function reportText(text: string, lineNo: number, inTable: boolean, diagnostics: Diagnostics): void {
  const where = { line: lineNo, excerpt: text };
  if (/^\s*(?:op\w+ )?error:/i.test(text)) {
    diagnostics.report('xenoprof/tool-error', 'warning', 'opreport printed an error (its report may be incomplete)', where);
  } else if (/^\s*warning:/i.test(text) || !inTable) {
    diagnostics.report('xenoprof/non-table-line', 'info', 'line is not part of an opreport table (prose, prompt or opreport warning; skipped)', where);
  } else {
    diagnostics.report('xenoprof/bad-row', 'warning', 'opreport row not understood (no leading sample count); skipped', where);
  }
}
