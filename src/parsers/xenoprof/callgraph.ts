import { splitProportionally } from './emit.js';
import type { ClassColumn, ColumnLayout } from './grammar.js';
import { parseRow } from './grammar.js';
import type { ProfileClass } from './header.js';
import { splitNames } from './names.js';
import type { Counts, TableContext } from './table.js';
import { TotalCheck, badRow, readCounts } from './table.js';

/**
 * Symbol lists (`opreport -l`) and callgraphs (`-c`), FORMATS.md §4.3 and §4.5. A callgraph
 * entry is: caller rows (indented 2), the focus row (not indented, same format as -l), callee
 * rows (indented) including `focus [self]`, then a line of 79 `-`. A flat -l table is the same
 * thing with focus rows only, so both go through one entry accumulator.
 *
 * Mapping: the focus row's count is its self samples (as in -l), so the sum of sample weights is
 * the sum of focus counts and nothing is counted twice. Those samples are split over the callers
 * in proportion to the caller counts (gprof's assumption; integers, exact sum), each part with
 * the 2-frame stack caller → focus, so "samples in _spin_lock called from do_grant_table_op" is
 * a stack query. Callee arcs focus → callee are interned as stacks too, even when the callee's
 * own entry (which would carry samples on that stack) is not in the text: links stay queryable.
 */

interface SymbolRow extends Counts {
  image: string;
  /** As printed, without ` [self]`; null for headerless image-only rows. */
  symbol: string | null;
  self: boolean;
  lineNo: number;
  text: string;
}

interface Entry {
  callers: SymbolRow[];
  focus: SymbolRow | null;
  callees: SymbolRow[];
}

const SELF = ' [self]';
const UNNAMED_IMAGE = '[unknown]';
const newEntry = (): Entry => ({ callers: [], focus: null, callees: [] });

export class SymbolTable {
  readonly kind = 'symbols';
  private classes: ProfileClass[] | null = null;
  private entry = newEntry();
  private readonly totals = new TotalCheck();
  private readonly perClass: ClassColumn[];
  private n: number;
  private notedApp = false;
  /** Rows of a diff profile: read and checked, never emitted (see parser.ts). */
  skipped = 0;

  constructor(
    private readonly ctx: TableContext,
    readonly lineNo: number,
    private readonly layout: ColumnLayout | null,
    readonly diff: boolean,
    private callgraph: boolean,
  ) {
    this.perClass = layout?.perClass ?? ['samples', 'pct'];
    this.n = layout?.classes ?? 0;
    // Resolved now: a header line after the table must not rename its events.
    if (this.n > 0 && !diff) this.classes = ctx.header.classes(this.n, [], lineNo);
  }

  /** A line of dashes: the end of a callgraph entry. */
  separator(lineNo: number): void {
    this.callgraph = true;
    this.flushEntry(lineNo);
  }

  row(text: string, lineNo: number): void {
    const indented = text[0] === ' ' || text[0] === '\t';
    const max = this.n > 0 ? this.n * this.perClass.length : Infinity;
    const parsed = parseRow(text, this.layout?.vma ?? false, max);
    if (parsed === null) return badRow(this.ctx, lineNo, text, 'not a `samples % … symbol` row');
    if (this.n === 0) {
      if (parsed.values.length % 2 !== 0) return badRow(this.ctx, lineNo, text, 'cells are not (samples, %) pairs');
      this.n = parsed.values.length / 2;
      this.classes = this.ctx.header.classes(this.n, [], lineNo);
    }
    const counts = readCounts(parsed.values, this.perClass, this.n, this.diff);
    if (typeof counts === 'string') return badRow(this.ctx, lineNo, text, counts);
    // `--details` sub-rows (`  vma samples %`, names hidden) repeat their symbol's samples by address.
    if (indented && parsed.names.length === 0 && this.layout?.vma) return;
    const names = splitNames(text, parsed.names, this.layout, false);
    if (names === null) return badRow(this.ctx, lineNo, text, 'no image or symbol name (truncated?)');
    // `opreport -l IMAGE` prints no image column: the table is about one image it does not name.
    const image = names.image ?? names.app ?? (this.layout?.image === false && !this.layout.app ? UNNAMED_IMAGE : null);
    if (image === null) return badRow(this.ctx, lineNo, text, 'no image name (truncated?)');
    if (this.layout?.symbol && names.symbol === null) return badRow(this.ctx, lineNo, text, 'no symbol name (truncated?)');
    if (names.undeclaredApp && !this.notedApp) {
      this.notedApp = true;
      this.ctx.b.diagnostics.report('xenoprof/undeclared-column', 'info', 'rows carry an app-name column the header does not list; read as image, app, symbol', {
        line: lineNo,
        excerpt: text,
      });
    }
    const self = names.symbol?.endsWith(SELF) ?? false;
    const symbol = self ? (names.symbol as string).slice(0, -SELF.length) : names.symbol;
    const row: SymbolRow = { ...counts, image, symbol, self, lineNo, text };
    if (this.diff) {
      this.skipped++;
      return;
    }
    if (indented) {
      this.callgraph = true;
      if (this.entry.focus === null) this.entry.callers.push(row);
      else this.entry.callees.push(row);
      return;
    }
    if (this.entry.focus !== null) this.flushEntry(lineNo);
    this.entry.focus = row;
    this.totals.add(row);
  }

  elide(): void {
    this.totals.elided = true;
  }

  close(lineNo: number): void {
    this.flushEntry(lineNo);
    if (!this.diff) this.totals.report(this.ctx, lineNo, `symbol table starting at line ${this.lineNo}`);
  }

  private flushEntry(lineNo: number): void {
    const { callers, focus, callees } = this.entry;
    this.entry = newEntry();
    if (focus === null) {
      const first = callers[0] ?? callees[0];
      if (first !== undefined) this.truncated(first, `callgraph entry ends at line ${lineNo} without its focus (unindented) row; its caller rows are dropped`);
      return;
    }
    const e = this.ctx.emitter;
    const frame = (r: SymbolRow) => e.frame(r.symbol ?? r.image, r.image);
    const focusFrame = frame(focus);
    const root = e.stack(-1, focusFrame);
    const callerStacks = callers.map((c) => e.stack(e.stack(-1, frame(c)), focusFrame));
    for (const d of callees) if (!d.self) e.stack(root, frame(d));
    (this.classes as ProfileClass[]).forEach((cls, k) => {
      const parts = splitProportionally(focus.counts[k], callers.map((c) => c.counts[k]));
      if (parts.every((p) => p === 0)) e.emit(root, focus.image, cls, focus.counts[k]);
      else parts.forEach((p, i) => e.emit(callerStacks[i], focus.image, cls, p));
    });
    if (!this.callgraph) return;
    const self = callees.find((d) => d.self);
    if (self === undefined) {
      this.truncated(focus, `callgraph entry for ${focus.symbol ?? focus.image} has no \`[self]\` row (cut short?)`);
    } else if (self.counts.some((n, k) => n !== focus.counts[k])) {
      this.ctx.b.diagnostics.report(
        'xenoprof/total-mismatch',
        'warning',
        `\`[self]\` row of ${focus.symbol ?? focus.image} states ${self.counts.join('/')} samples, its focus row ${focus.counts.join('/')}`,
        { line: self.lineNo, excerpt: self.text },
      );
    }
  }

  private truncated(row: SymbolRow, message: string): void {
    this.ctx.b.diagnostics.report('xenoprof/truncated-entry', 'warning', message, { line: row.lineNo, excerpt: row.text });
  }
}
