import type { TraceModel } from '../../model/trace-model.js';

/**
 * A block of the per-input summary. Formats carry different signals (a profile's hot
 * stacks, xentrace's hypercalls by op), so each block decides whether it applies and
 * renders itself; `text` is for the terminal, `json` (optional) lands in the input's
 * `details` in the findings document. Adding a block = one file + one registry line.
 */
export interface SummarySection {
  id: string;
  applies(model: TraceModel): boolean;
  text(model: TraceModel): string[];
  json?(model: TraceModel): unknown;
  /** The same block as a heading line and tables, for the HTML report (else it shows `text`). */
  tables?(model: TraceModel): { heading: string; tables: SectionTable[] };
}

/** One table of a section: what the HTML report draws (numbers right-aligned). */
export interface SectionTable {
  title: string;
  head: string[];
  rows: (string | number)[][];
}

export const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1).padStart(5)}%`;
export const int = (n: number) => n.toLocaleString('en-US');
