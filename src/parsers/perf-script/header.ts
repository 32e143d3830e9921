import { EmbeddedActionsParser, Lexer, createToken } from '../chevrotain.js';
import type { TraceMeta } from '../../model/schema.js';

/**
 * The `# ========` header block of `perf script --header`: `# key : value` lines with
 * inconsistent spacing. The `event :` lines carry an attribute list
 * (`name = cycles, , id = { 550, 551 }, { sample_period, sample_freq } = 4000, sample_type = IP|TID`)
 * parsed with a small chevrotain grammar; the rest are kept verbatim in meta.header.
 */
const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
const Comma = createToken({ name: 'Comma', pattern: /,/ });
const Equals = createToken({ name: 'Equals', pattern: /=/ });
const Blank = createToken({ name: 'Blank', pattern: /\s+/, group: Lexer.SKIPPED });
const Word = createToken({ name: 'Word', pattern: /[^\s{},=][^{},=]*/ });
const TOKENS = [Blank, LBrace, RBrace, Comma, Equals, Word];
const attrLexer = new Lexer(TOKENS, { positionTracking: 'onlyOffset' });

class EventAttrParser extends EmbeddedActionsParser {
  constructor() {
    super(TOKENS, { recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  attrs = this.RULE('attrs', (): Record<string, string> => {
    const out: Record<string, string> = {};
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(Comma) },
        {
          ALT: () => {
            const key = this.SUBRULE(this.term);
            this.CONSUME(Equals);
            const value = this.SUBRULE2(this.term);
            this.ACTION(() => (out[key] = value));
          },
        },
      ]);
    });
    return out;
  });

  /** A word, or a braced list rendered back as `a,b`. */
  term = this.RULE('term', (): string => {
    return this.OR([
      { ALT: () => this.CONSUME(Word).image.trim() },
      {
        ALT: () => {
          const items: string[] = [];
          this.CONSUME(LBrace);
          this.MANY_SEP({ SEP: Comma, DEF: () => items.push(this.CONSUME2(Word).image.trim()) });
          this.CONSUME(RBrace);
          return items.join(',');
        },
      },
    ]);
  });
}

const attrParser = new EventAttrParser();

/** Attributes of one `# event :` line, or null when the grammar rejects it. */
export function parseEventAttrs(text: string): Record<string, string> | null {
  const lexed = attrLexer.tokenize(text);
  if (lexed.errors.length > 0) return null;
  attrParser.input = lexed.tokens;
  const attrs = attrParser.attrs();
  return attrParser.errors.length > 0 ? null : attrs;
}

/** Apply one header line (`# key : value`) to meta; returns false for a line that is not `key : value`. */
export function applyHeaderLine(line: string, meta: TraceMeta): boolean {
  const body = line.replace(/^#\s?/, '');
  const colon = body.indexOf(':');
  if (colon <= 0) return body.trim() === '' || /^=+$/.test(body.trim()) || !body.includes(':');
  const key = body.slice(0, colon).trim();
  const value = body.slice(colon + 1).trim();
  if (key === 'event') {
    const attrs = parseEventAttrs(value);
    if (attrs === null || attrs.name === undefined) return false;
    const events = meta.header.events ? meta.header.events.split(',') : [];
    events.push(attrs.name);
    meta.header.events = events.join(',');
    if (attrs.sample_type !== undefined) meta.header[`event.${attrs.name}.sample_type`] = attrs.sample_type;
    return true;
  }
  meta.header[key] = value;
  if (key === 'nrcpus online') {
    const n = Number(value);
    if (Number.isInteger(n) && n > 0) meta.cpuCount = n;
  }
  return true;
}
