import { EmbeddedActionsParser, Lexer, createToken } from '../chevrotain.js';

/**
 * The payload template language, parsed with chevrotain. A template is the tracepoint's
 * print format with named slots, e.g.
 *
 *   irq={irq:int} name={name:str}
 *   NR {nr:int} ({a0:hex}, {a1:hex}, {a2:hex}, {a3:hex}, {a4:hex}, {a5:hex})
 *   pages:{pages:int} reason:{why:str} ({reason:int})
 *   {lock:ptr} (flags={flags:lockflags})
 *
 * Text outside braces is matched literally; a slot's value runs up to the next literal.
 * Templates are compiled once per event name, so this grammar never runs per line.
 */
export type SlotType = 'int' | 'hex' | 'ptr' | 'str' | 'state' | 'lockflags' | `enum:${string}`;

export interface Slot {
  name: string;
  type: SlotType;
}

/** Alternating literal/slot segments; literal[i] precedes slot[i], literal[n] trails. */
export interface TemplateAst {
  literals: string[];
  slots: Slot[];
}

const SlotTok = createToken({ name: 'Slot', pattern: /\{[a-z_0-9]+:[a-z]+(?:\([^)]*\))?\}/ });
const Text = createToken({ name: 'Text', pattern: /[^{]+/ });
const TOKENS = [SlotTok, Text];
const templateLexer = new Lexer(TOKENS, { positionTracking: 'onlyOffset' });

class TemplateParser extends EmbeddedActionsParser {
  constructor() {
    super(TOKENS);
    this.performSelfAnalysis();
  }

  template = this.RULE('template', (): TemplateAst => {
    const ast: TemplateAst = { literals: [''], slots: [] };
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            const t = this.CONSUME(Text);
            this.ACTION(() => (ast.literals[ast.literals.length - 1] += t.image));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(SlotTok);
            this.ACTION(() => {
              ast.slots.push(parseSlot(t.image));
              ast.literals.push('');
            });
          },
        },
      ]);
    });
    return ast;
  });
}

function parseSlot(image: string): Slot {
  const body = image.slice(1, -1);
  const colon = body.indexOf(':');
  const name = body.slice(0, colon);
  const type = body.slice(colon + 1);
  const paren = type.indexOf('(');
  if (paren >= 0) return { name, type: `enum:${type.slice(paren + 1, -1)}` as SlotType };
  return { name, type: type as SlotType };
}

const parser = new TemplateParser();

export function parseTemplate(spec: string): TemplateAst {
  const lexed = templateLexer.tokenize(spec);
  if (lexed.errors.length > 0) throw new Error(`bad payload template ${JSON.stringify(spec)}: ${lexed.errors[0].message}`);
  parser.input = lexed.tokens;
  const ast = parser.template();
  if (parser.errors.length > 0) throw new Error(`bad payload template ${JSON.stringify(spec)}: ${parser.errors[0].message}`);
  for (let i = 1; i < ast.slots.length; i++) {
    if (ast.literals[i] === '') throw new Error(`payload template ${JSON.stringify(spec)}: adjacent slots need a literal between them`);
  }
  return ast;
}
