import { EmbeddedActionsParser } from '../chevrotain.js';
import type { IToken } from 'chevrotain';
import {
  Bar,
  ColApp,
  ColCumPct,
  ColCumSamples,
  ColDiff,
  ColImage,
  ColLinenr,
  ColSamples,
  ColSymbol,
  ColVma,
  Decimal,
  DiffMark,
  Integer,
  NamePart,
  Percent,
  Signed,
  TOKENS,
  lexLine,
} from './lexer.js';

/**
 * Chevrotain grammar of opreport table lines (libpp/format_output.cpp): what a column header
 * declares, an image-summary title, and the numeric columns of a row. Rows are checked against
 * the layout their header declared by table.ts; this grammar only says what the line holds.
 */

/** One column of a per-class group, in the order format_output prints them. */
export type ClassColumn = 'samples' | 'cumSamples' | 'pct' | 'cumPct' | 'diff';

/** What a `samples  %  image name  symbol name` header declares. */
export interface ColumnLayout {
  vma: boolean;
  /** Columns repeated once per profile class (event, or --separate class). */
  perClass: ClassColumn[];
  classes: number;
  linenr: boolean;
  image: boolean;
  app: boolean;
  symbol: boolean;
}

export type ValueKind = 'int' | 'dec' | 'signed' | 'mark';

export interface RowValue {
  text: string;
  kind: ValueKind;
}

/** A row as lexed: the leading numeric cells, then the tokens of the name columns. */
export interface RowParse {
  vma: string | null;
  values: RowValue[];
  names: IToken[];
}

const VALUE_KIND: Record<string, ValueKind> = { Integer: 'int', Decimal: 'dec', Signed: 'signed', DiffMark: 'mark' };

class OpreportGrammar extends EmbeddedActionsParser {
  constructor() {
    super(TOKENS, { recoveryEnabled: false, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  /** `[vma] (samples [cum. samples] % [cum. %] [diff %])+ [linenr info] [image name] [app name] [symbol name]` */
  columnHeader = this.RULE('columnHeader', (): ColumnLayout => {
    const layout: ColumnLayout = { vma: false, perClass: [], classes: 0, linenr: false, image: false, app: false, symbol: false };
    this.OPTION(() => {
      this.CONSUME(ColVma);
      layout.vma = true;
    });
    this.AT_LEAST_ONE(() => {
      const group = this.SUBRULE(this.classGroup);
      this.ACTION(() => {
        // Every class repeats the same columns; a header that does not is not opreport's.
        if (layout.classes > 0 && group.join() !== layout.perClass.join()) throw new Error('uneven class columns');
        layout.perClass = group;
        layout.classes++;
      });
    });
    this.OPTION2(() => {
      this.CONSUME(ColLinenr);
      layout.linenr = true;
    });
    this.OPTION3(() => {
      this.CONSUME(ColImage);
      layout.image = true;
    });
    this.OPTION4(() => {
      this.CONSUME(ColApp);
      layout.app = true;
    });
    this.OPTION5(() => {
      this.CONSUME(ColSymbol);
      layout.symbol = true;
    });
    return layout;
  });

  private classGroup = this.RULE('classGroup', (): ClassColumn[] => {
    const cols: ClassColumn[] = ['samples'];
    this.CONSUME(ColSamples);
    this.OPTION(() => {
      this.CONSUME(ColCumSamples);
      cols.push('cumSamples');
    });
    this.CONSUME(Percent);
    cols.push('pct');
    this.OPTION2(() => {
      this.CONSUME(ColCumPct);
      cols.push('cumPct');
    });
    this.OPTION3(() => {
      this.CONSUME(ColDiff);
      cols.push('diff');
    });
    return cols;
  });

  /** `CPU_CLK_UNHALT...|LLC_MISSES:1000...|`: one truncated event name per class. */
  summaryTitle = this.RULE('summaryTitle', (): string[] => {
    const names: string[] = [];
    this.AT_LEAST_ONE(() => {
      names.push(this.CONSUME(NamePart).image);
      this.CONSUME(Bar);
    });
    return names;
  });

  /** `  samples|      %|` once per class; returns the class count. */
  summaryColumns = this.RULE('summaryColumns', (): number => {
    let n = 0;
    this.AT_LEAST_ONE(() => {
      this.CONSUME(ColSamples);
      this.CONSUME(Bar);
      this.CONSUME(Percent);
      this.CONSUME2(Bar);
      n++;
    });
    return n;
  });

  /**
   * `[vma] value{1,maxValues} name-token*`. maxValues bounds the numeric cells when the header
   * said how many there are, so a symbol that happens to be a number stays a name.
   */
  row = this.RULE('row', (hasVma: boolean, maxValues: number): RowParse => {
    const out: RowParse = { vma: null, values: [], names: [] };
    this.OPTION({ GATE: () => hasVma === true, DEF: () => (out.vma = this.CONSUME(NamePart).image) });
    this.AT_LEAST_ONE({ GATE: () => out.values.length < maxValues, DEF: () => out.values.push(this.SUBRULE(this.value)) });
    this.MANY(() => out.names.push(this.CONSUME2(NamePart)));
    return out;
  });

  private value = this.RULE('value', (): RowValue => {
    const tok = this.OR([
      { ALT: () => this.CONSUME(Integer) },
      { ALT: () => this.CONSUME(Decimal) },
      { ALT: () => this.CONSUME(Signed) },
      { ALT: () => this.CONSUME(DiffMark) },
    ]);
    // ACTION: during self-analysis chevrotain records with placeholder tokens.
    return this.ACTION(() => ({ text: tok.image, kind: VALUE_KIND[tok.tokenType.name] }));
  });
}

const grammar = new OpreportGrammar();

function run<T>(text: string, rule: () => T): T | null {
  const tokens = lexLine(text);
  if (tokens === null || tokens.length === 0) return null;
  grammar.input = tokens;
  try {
    const result = rule();
    return grammar.errors.length > 0 ? null : result;
  } catch {
    return null; // an ACTION rejected the line (uneven class columns)
  }
}

export const parseColumnHeader = (text: string) => run(text, () => grammar.columnHeader());
export const parseSummaryTitle = (text: string) => run(text, () => grammar.summaryTitle());
export const parseSummaryColumns = (text: string) => run(text, () => grammar.summaryColumns());
export const parseRow = (text: string, hasVma: boolean, maxValues: number) => run(text, () => grammar.row(hasVma, maxValues));
