import type { TraceBuilder } from '../../model/builder.js';
import type { LineSink } from '../input/lines.js';
import { SymbolTable } from './callgraph.js';
import { SampleEmitter } from './emit.js';
import { parseColumnHeader, parseRow, parseSummaryColumns, parseSummaryTitle } from './grammar.js';
import { ReportHeader } from './header.js';
import { lineShape, reportText } from './lines.js';
import { splitNames } from './names.js';
import type { TableContext } from './table.js';
import { SummaryTable } from './table.js';

/**
 * The opreport line state machine: header lines feed the report header, a column header or an
 * image-summary title opens a table, rows go to the open table, and a blank line, a new header
 * or the end of input closes it (tables check their stated totals then). Reports are small, so
 * every line is decoded to a string and tables are parsed with chevrotain (grammar.ts).
 */
export class XenoprofParser implements LineSink {
  private readonly ctx: TableContext;
  private readonly emitter: SampleEmitter;
  private readonly header: ReportHeader;
  private table: SymbolTable | SummaryTable | null = null;
  private diffRows = 0;
  private lastLine = 0;

  constructor(private readonly b: TraceBuilder) {
    this.emitter = new SampleEmitter(b);
    this.header = new ReportHeader(b);
    this.ctx = { b, emitter: this.emitter, header: this.header };
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.lastLine = lineNo;
    const text = buf.toString('utf8', start, end).trimEnd();
    if (this.header.wrapping && this.header.line(text, lineNo)) return;
    switch (lineShape(text)) {
      case 'blank':
        return this.closeTable(lineNo);
      case 'elision':
        return this.elision(text, lineNo);
      case 'separator':
        if (this.table instanceof SymbolTable) return this.table.separator(lineNo);
        // A callgraph excerpt that starts at an entry boundary, without its column header.
        this.closeTable(lineNo);
        this.noColumnHeader(text, lineNo);
        this.table = new SymbolTable(this.ctx, lineNo, null, false, true);
        return;
      case 'rule':
        return; // the dashes under an image-summary title
      case 'row':
        return this.row(text, lineNo);
      case 'column-header':
        return this.columnHeader(text, lineNo);
      case 'summary-head':
        return this.summaryHead(text, lineNo);
      case 'command':
        this.closeTable(lineNo);
        this.b.meta.header.command ??= text.replace(/^\s*[$#]\s*/, '');
        return;
      case 'text':
        if (this.header.line(text, lineNo)) return this.closeTable(lineNo);
        return reportText(text, lineNo, this.table !== null, this.b.diagnostics);
    }
  }

  end(): void {
    this.header.flush();
    this.closeTable(this.lastLine);
    this.emitter.finish();
    if (this.emitter.rows === 0 && this.diffRows === 0) {
      this.b.diagnostics.report('xenoprof/no-rows', 'warning', 'no opreport table rows found', { line: this.lastLine });
    }
  }

  private closeTable(lineNo: number): void {
    const table = this.table;
    if (table === null) return;
    this.table = null;
    table.close(lineNo);
    if (table instanceof SymbolTable && table.diff) {
      this.diffRows += table.skipped;
      this.b.diagnostics.report(
        'xenoprof/unsupported-diff',
        'warning',
        'differential profile (`diff %` column, `opreport … { archive } { }`) is not supported: its rows compare two sessions and were skipped; run opreport on one session',
        { line: table.lineNo, excerpt: `${table.skipped} row(s) skipped` },
      );
    }
  }

  private elision(text: string, lineNo: number): void {
    if (this.table === null) return reportText(text, lineNo, false, this.b.diagnostics);
    this.table.elide(SummaryTable.nested(text));
    this.b.diagnostics.report('xenoprof/elided-rows', 'info', 'rows left out (`...`) in pasted output: totals cannot be checked there', {
      line: lineNo,
      excerpt: text,
    });
  }

  private row(text: string, lineNo: number): void {
    if (this.table === null) {
      // No column header or title (an excerpt, or --no-header): let the first row say what the table is.
      const parsed = parseRow(text, false, Infinity);
      if (parsed === null) return reportText(text, lineNo, false, this.b.diagnostics);
      const names = splitNames(text, parsed.names, null, false);
      const imageOnly = names !== null && names.symbol === null && names.app === null;
      this.noColumnHeader(text, lineNo);
      this.table = imageOnly ? new SummaryTable(this.ctx, lineNo, 0, []) : new SymbolTable(this.ctx, lineNo, null, false, false);
    }
    this.table.row(text, lineNo);
  }

  private columnHeader(text: string, lineNo: number): void {
    this.closeTable(lineNo);
    const layout = parseColumnHeader(text);
    if (layout === null) {
      this.b.diagnostics.report('xenoprof/bad-header', 'warning', 'opreport column header not understood; the rows below are read without it', {
        line: lineNo,
        excerpt: text,
      });
      return;
    }
    this.table = new SymbolTable(this.ctx, lineNo, layout, layout.perClass.includes('diff'), false);
  }

  private summaryHead(text: string, lineNo: number): void {
    const columns = parseSummaryColumns(text);
    if (columns !== null) {
      if (this.table instanceof SummaryTable && columns !== this.table.classCount) this.badHeader(text, lineNo);
      return;
    }
    const titles = parseSummaryTitle(text);
    if (titles === null) return this.badHeader(text, lineNo);
    const indented = text[0] === ' ' || text[0] === '\t';
    let table = this.table;
    if (!indented || !(table instanceof SummaryTable)) {
      this.closeTable(lineNo);
      table = this.table = new SummaryTable(this.ctx, lineNo, titles.length, titles);
    }
    if (indented) table.nestedTitle(lineNo, text);
  }

  private noColumnHeader(text: string, lineNo: number): void {
    this.b.diagnostics.report('xenoprof/no-column-header', 'info', 'table without a column header: its columns are inferred from the rows', {
      line: lineNo,
      excerpt: text,
    });
  }

  private badHeader(text: string, lineNo: number): void {
    this.b.diagnostics.report('xenoprof/bad-header', 'warning', 'image-summary title line not understood', { line: lineNo, excerpt: text });
  }
}
