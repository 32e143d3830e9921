import type { TraceBuilder } from '../../model/builder.js';
import type { SampleEmitter } from './emit.js';
import type { ClassColumn, RowValue, ValueKind } from './grammar.js';
import { parseRow } from './grammar.js';
import type { ProfileClass, ReportHeader } from './header.js';
import { splitNames } from './names.js';

/**
 * Rows → counts, stated totals, and the image summary (FORMATS.md §4.4). Symbol lists and
 * callgraphs are in callgraph.ts; both read rows through `readCounts` and check totals with
 * `TotalCheck`.
 */

export interface TableContext {
  b: TraceBuilder;
  emitter: SampleEmitter;
  header: ReportHeader;
}

export interface Counts {
  /** Samples per class (column group). */
  counts: number[];
  /** The `%` cell per class as printed (`28.9011`, `7.5e-04`, `0`, `---`). */
  pcts: string[];
}

export function badRow(ctx: TableContext, lineNo: number, text: string, why: string): void {
  ctx.b.diagnostics.report('xenoprof/bad-row', 'warning', `opreport row not understood (${why}); skipped`, { line: lineNo, excerpt: text });
}

const ACCEPTS: Record<ClassColumn, ValueKind[]> = {
  samples: ['int'],
  cumSamples: ['int'],
  pct: ['dec', 'int'], // `0` and `100` print without decimals
  cumPct: ['dec', 'int'],
  diff: ['dec', 'int', 'signed', 'mark'],
};
/** Cells only a diff profile prints: `+0.4999`, `-2.2e-01`, and `+++`/`---` for one-sided symbols. */
const DIFF_ONLY: ValueKind[] = ['signed', 'mark'];

/**
 * Check a row's numeric cells against the per-class columns and return the counts, or why not.
 * Samples are integers; `%` is a decimal, the exponent form or a bare `0`; diff tables also allow
 * signed values and `+++`/`---`.
 */
export function readCounts(values: RowValue[], perClass: ClassColumn[], classes: number, diff: boolean): Counts | string {
  if (values.length !== perClass.length * classes) return `${values.length} numeric cells where the header has ${perClass.length * classes}`;
  const out: Counts = { counts: [], pcts: [] };
  for (let k = 0; k < classes; k++) {
    for (let c = 0; c < perClass.length; c++) {
      const v = values[k * perClass.length + c];
      const col = perClass[c];
      const ok = ACCEPTS[col].includes(v.kind) || (diff && col !== 'samples' && DIFF_ONLY.includes(v.kind));
      if (!ok) return `\`${v.text}\` is not a valid ${col} cell`;
      if (col === 'samples') out.counts.push(Number(v.text));
      if (col === 'pct') out.pcts.push(v.text);
    }
  }
  return out;
}

/** Half a unit in the last printed place of a percentage (`28.9011` → 5e-5, `7.5e-04` → 5e-6). */
function halfUlp(pct: string): number {
  const m = /^\d+(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(pct);
  if (m === null) return NaN;
  return 0.5 * 10 ** (Number(m[2] ?? 0) - (m[1]?.length ?? 0));
}

/**
 * A table states its total through its percentages: a row of s samples at p% implies a total
 * of 100·s/p, known to the precision p was printed with. The largest row gives the tightest
 * bound. More samples in the rows than that is a parse or paste error (warning); fewer means rows
 * were hidden (`-t`), elided or cut (info).
 */
export class TotalCheck {
  private readonly sums: number[] = [];
  private readonly best: { n: number; pct: string }[] = [];
  elided = false;

  add(c: Counts): void {
    c.counts.forEach((n, k) => {
      this.sums[k] = (this.sums[k] ?? 0) + n;
      if (this.best[k] === undefined || n > this.best[k].n) this.best[k] = { n, pct: c.pcts[k] ?? '' };
    });
  }

  report(ctx: TableContext, lineNo: number, what: string): void {
    this.best.forEach((best, k) => {
      const p = Number(best.pct);
      const h = halfUlp(best.pct);
      if (!(best.n > 0) || !(p > 0) || !(h >= 0)) return;
      const lo = (100 * best.n) / (p + h) - 0.5;
      const hi = p > h ? (100 * best.n) / (p - h) + 0.5 : Infinity;
      const sum = this.sums[k];
      const col = this.sums.length > 1 ? ` (column ${k + 1})` : '';
      const implied = `~${Math.round((100 * best.n) / p)}`;
      if (sum > hi) {
        ctx.b.diagnostics.report('xenoprof/total-mismatch', 'warning', `${what}${col}: rows hold ${sum} samples but the percentages imply ${implied}`, {
          line: lineNo,
        });
      } else if (sum < lo && !this.elided) {
        ctx.b.diagnostics.report('xenoprof/partial-table', 'info', `${what}${col}: rows hold ${sum} of the ${implied} samples the percentages imply (rows hidden by -t, or an excerpt)`, {
          line: lineNo,
        });
      }
    });
  }
}

/** Leading blanks in columns (a tab counts 8). */
export function indentWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    if (ch === ' ') w++;
    else if (ch === '\t') w += 8;
    else break;
  }
  return w;
}

interface SummaryRow extends Counts {
  image: string;
  lineNo: number;
  text: string;
}

interface Application {
  row: SummaryRow;
  deps: SummaryRow[];
  elided: boolean;
}

/**
 * The image summary: rows `%9u %7.4f image`, per class, and with `--separate=lib/kernel` a nested
 * table of dependent images under each application row, indented by 8 columns. The application
 * row states its nested table's total. A dependent image becomes a 2-frame stack
 * application → image, so its samples count for both; when `...` elided some dependent rows, the
 * unitemised rest stays on the application's own frame, so application totals stay exact.
 */
export class SummaryTable {
  readonly kind = 'summary';
  private classes: ProfileClass[] | null = null;
  private app: Application | null = null;
  private readonly totals = new TotalCheck();

  constructor(
    private readonly ctx: TableContext,
    private readonly lineNo: number,
    private n: number,
    private readonly titles: string[],
  ) {
    // Resolved now: a header line after the table must not rename its events.
    if (n > 0) this.classes = ctx.header.classes(n, titles, lineNo);
  }

  get classCount(): number {
    return this.n;
  }

  /** Whether a row or `...` line belongs to the nested (dependent image) level. */
  static nested(text: string): boolean {
    if (text[0] === '\t') return true;
    const lead = indentWidth(text);
    const digits = /^\s*(\d+)/.exec(text)?.[1].length ?? 0;
    // Counts are right-aligned in 9 columns; nested tables add 8 more.
    return digits > 0 ? lead - (9 - digits) >= 4 : lead >= 8;
  }

  nestedTitle(lineNo: number, text: string): void {
    if (this.app === null) this.ctx.b.diagnostics.report('xenoprof/bad-row', 'warning', 'dependent-image table with no application row above it', { line: lineNo, excerpt: text });
  }

  row(text: string, lineNo: number): void {
    const parsed = parseRow(text, false, this.n > 0 ? this.n * 2 : Infinity);
    if (parsed === null) return badRow(this.ctx, lineNo, text, 'not `samples % image`');
    if (this.n === 0) {
      // Headerless: learn the classes from the first row, whose cells come in (samples, %) pairs.
      if (parsed.values.length % 2 !== 0) return badRow(this.ctx, lineNo, text, 'cells are not (samples, %) pairs');
      this.n = parsed.values.length / 2;
      this.classes = this.ctx.header.classes(this.n, this.titles, lineNo);
    }
    const counts = readCounts(parsed.values, ['samples', 'pct'], this.n, false);
    if (typeof counts === 'string') return badRow(this.ctx, lineNo, text, counts);
    const names = splitNames(text, parsed.names, null, true);
    if (names?.image == null) return badRow(this.ctx, lineNo, text, 'no image name (truncated?)');
    const row: SummaryRow = { ...counts, image: names.image, lineNo, text };
    if (SummaryTable.nested(text)) {
      if (this.app === null) return badRow(this.ctx, lineNo, text, 'dependent-image row with no application row above it');
      this.app.deps.push(row);
      return;
    }
    this.flushApp();
    this.totals.add(row);
    this.app = { row, deps: [], elided: false };
  }

  elide(nested: boolean): void {
    if (nested && this.app !== null) this.app.elided = true;
    else this.totals.elided = true;
  }

  close(lineNo: number): void {
    this.flushApp();
    this.totals.report(this.ctx, lineNo, `image summary starting at line ${this.lineNo}`);
  }

  private flushApp(): void {
    const app = this.app;
    if (app === null) return;
    this.app = null;
    const e = this.ctx.emitter;
    const classes = this.classes as ProfileClass[];
    const appFrame = e.frame(app.row.image, app.row.image);
    const appStack = e.stack(-1, appFrame);
    classes.forEach((cls, k) => {
      let itemised = 0;
      for (const dep of app.deps) {
        // The application's own image among its dependents is its own code: no second frame.
        const stack = dep.image === app.row.image ? appStack : e.stack(appStack, e.frame(dep.image, dep.image));
        e.emit(stack, dep.image, cls, dep.counts[k]);
        itemised += dep.counts[k];
      }
      const rest = app.row.counts[k] - itemised;
      if (app.deps.length === 0 || (app.elided && rest > 0)) e.emit(appStack, app.row.image, cls, rest);
      else if (rest !== 0) {
        this.ctx.b.diagnostics.report(
          'xenoprof/total-mismatch',
          'warning',
          `dependent images of ${app.row.image} add up to ${itemised} samples, its row states ${app.row.counts[k]}`,
          { line: app.row.lineNo, excerpt: app.row.text },
        );
      }
    });
  }
}
