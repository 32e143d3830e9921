import type { IToken } from 'chevrotain';
import type { ColumnLayout } from './grammar.js';

/**
 * The name columns of a row (FORMATS.md §4.3): image, app and symbol are left-aligned, padded
 * to 25 (image, app) and 30 (symbol) — but a longer value is followed by exactly one space, so
 * columns cannot be cut by position and rows cannot be read right-to-left (symbols have spaces:
 * `void test$HelloThread.run()`, `OP_perf_utils::op_write_event(event_union*, unsigned long long)`).
 * Rule used: image and app are one field each (a run of tokens with no blank between them, or one
 * `anon (tgid:… range:…)` token); the symbol is the rest of the line, spacing kept.
 */
export interface RowNames {
  image: string | null;
  app: string | null;
  symbol: string | null;
  /** The row carried an app-name column its header did not declare (the oprofile manual's JIT example). */
  undeclaredApp: boolean;
}

/** A gap no symbol contains: two blanks or a tab. A symbol with one means a column was merged into it. */
const COLUMN_GAP = /^(\S+)(?: {2,}|\t)[ \t]*(\S.*)$/;
const NO_LOCATION = '(no location information)';

/** Offset just past a token (the lexer tracks start offsets only). */
const tokenEnd = (t: IToken) => t.startOffset + t.image.length;

/** End index (exclusive) of the field starting at token i: tokens glued together without blanks. */
function fieldEnd(names: IToken[], i: number): number {
  let j = i + 1;
  while (j < names.length && names[j].startOffset === tokenEnd(names[j - 1])) j++;
  return j;
}

function fieldText(text: string, names: IToken[], from: number, to: number): string {
  return text.slice(names[from].startOffset, tokenEnd(names[to - 1]));
}

/**
 * Split the name tokens of a row. `layout` null = no column header seen (an excerpt, or
 * `--no-header` output): image first, then app and symbol if the rest shows a column gap.
 * `imageOnly` = an image-summary row, whose whole remainder is one image path.
 */
export function splitNames(text: string, names: IToken[], layout: ColumnLayout | null, imageOnly: boolean): RowNames | null {
  const out: RowNames = { image: null, app: null, symbol: null, undeclaredApp: false };
  if (names.length === 0) return null;
  if (imageOnly) {
    out.image = text.slice(names[0].startOffset).trim();
    return out;
  }
  let i = 0;
  if (layout?.linenr) {
    // `file.c:123`, or the spaced `(no location information)` placeholder.
    if (text.startsWith(NO_LOCATION, names[0].startOffset)) {
      const end = names[0].startOffset + NO_LOCATION.length;
      while (i < names.length && names[i].startOffset < end) i++;
    } else {
      i = fieldEnd(names, i);
    }
  }
  const take = (): string | null => {
    if (i >= names.length) return null;
    const j = fieldEnd(names, i);
    const s = fieldText(text, names, i, j);
    i = j;
    return s;
  };
  if (layout === null || layout.image) out.image = take();
  if (layout?.app) out.app = take();
  if (i < names.length && (layout === null || layout.symbol)) out.symbol = text.slice(names[i].startOffset).trimEnd();
  if (out.symbol !== null && !layout?.app && (layout === null || layout.image)) {
    const gap = COLUMN_GAP.exec(out.symbol);
    if (gap !== null) {
      out.app = gap[1];
      out.symbol = gap[2];
      out.undeclaredApp = layout !== null;
    }
  }
  return out;
}
