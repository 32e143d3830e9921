import { Lexer, createToken } from '../chevrotain.js';
import type { IToken, TokenType } from 'chevrotain';

/**
 * Tokens of opreport table lines (FORMATS.md §4.3–4.5): column headers, image-summary titles
 * and rows. One lexer serves all three because they share words (`samples`, `%`) and the
 * grammar, not the lexer, decides what a line is. Whitespace is skipped: the name columns are
 * cut from the raw line by token offsets (names.ts), so spacing is never lost.
 *
 * `longer_alt: Word` everywhere keeps words that merely start like a number or keyword whole
 * (`7635.jo`, `2.6.18-53`, `samples_foo`): chevrotain takes the first matching pattern, and
 * longer_alt lets the longer Word win.
 */

/** Anything that may appear in a name column: every concrete token below is one. */
export const NamePart = createToken({ name: 'NamePart', pattern: Lexer.NA });

const Blank = createToken({ name: 'Blank', pattern: /[ \t]+/, group: Lexer.SKIPPED });
export const Word = createToken({ name: 'Word', pattern: /[^\s|]+/, categories: [NamePart] });
/** Images with a space: `anon (tgid:3189 range:0xf72aa000-0xf72fa000)`, `[vdso] (tgid:…)`. */
export const AnonImage = createToken({
  name: 'AnonImage',
  pattern: /(?:anon|\[[\w.-]+\]) \([^()\n]*\)/,
  categories: [NamePart],
});

const keyword = (name: string, pattern: RegExp) => createToken({ name, pattern, longer_alt: Word, categories: [NamePart] });
export const ColCumSamples = keyword('ColCumSamples', /cum\. samples/);
export const ColCumPct = keyword('ColCumPct', /cum\. %/);
export const ColLinenr = keyword('ColLinenr', /linenr info/);
export const ColImage = keyword('ColImage', /image name/);
export const ColApp = keyword('ColApp', /app name/);
export const ColSymbol = keyword('ColSymbol', /symbol name/);
export const ColDiff = keyword('ColDiff', /diff %/);
export const ColVma = keyword('ColVma', /vma/);
export const ColSamples = keyword('ColSamples', /samples/);
export const Percent = keyword('Percent', /%/);

/** Diff-mode percentages: `+0.4999`, `-2.2e-01`, and `+++`/`---` (only in one profile). */
export const Signed = keyword('Signed', /[+-]\d+(?:\.\d+)?(?:e[+-]\d+)?/);
export const DiffMark = keyword('DiffMark', /\+\+\+|---/);
/** `28.9011`, `100.000`, and the exponent form opreport prints for tiny shares: `7.5e-04`. */
export const Decimal = keyword('Decimal', /\d+\.\d+(?:e[+-]\d+)?|\d+e[+-]\d+/);
export const Integer = keyword('Integer', /\d+/);
export const Bar = createToken({ name: 'Bar', pattern: /\|/, categories: [NamePart] });

export const TOKENS: TokenType[] = [
  Blank,
  NamePart,
  AnonImage,
  ColCumSamples,
  ColCumPct,
  ColLinenr,
  ColImage,
  ColApp,
  ColSymbol,
  ColDiff,
  ColVma,
  ColSamples,
  Percent,
  Signed,
  DiffMark,
  Decimal,
  Integer,
  Bar,
  Word,
];

const lexer = new Lexer(TOKENS, { positionTracking: 'onlyOffset', ensureOptimizations: false });

/** Tokens of one line, or null when the lexer cannot read it (never for printable text). */
export function lexLine(text: string): IToken[] | null {
  const lexed = lexer.tokenize(text);
  return lexed.errors.length > 0 ? null : lexed.tokens;
}
