import type { MetricValue } from '../detectors/registry.js';
import { DETECTORS } from '../detectors/registry.js';
import { EmbeddedActionsParser, Lexer, createToken } from './chevrotain.js';
import type { Finding } from './findings.js';
import { METRICS, metricInfo } from './metrics.js';

/**
 * `--fail-if` rule expressions, parsed with chevrotain (DESIGN §9: the rule language is a
 * sub-grammar, never on a hot path).
 *
 *   rule       := or
 *   or         := and ( "||" and )*
 *   and        := unary ( "&&" unary )*
 *   unary      := "!" unary | "(" or ")" | comparison
 *   comparison := detector "." metric OP ( number | "string" )
 *   OP         := > | >= | < | <= | == | !=     (strings: == and != only)
 *
 * Semantics. A rule is about findings, not about the trace. Let D be the detectors the rule
 * names. The rule is true when there is a choice of ONE finding per detector in D for which
 * the whole expression is true; with one detector that is "some finding of that detector
 * satisfies the whole expression" — so `irq-pinned.share > 0.9 && irq-pinned.rate_per_s >
 * 1000` needs one IRQ that is both pinned and busy, not one pinned IRQ and another busy one.
 * A detector with no findings offers one empty finding: every comparison on it is false (and
 * `!` of it true), so `!(ring-full.stalls > 0)` holds on a clean trace. A comparison whose
 * metric is null (the format cannot measure it) or absent is false. Unknown detectors,
 * unknown metrics and number/string mismatches are errors, like syntax errors: a misspelt
 * gate must not pass silently.
 */
export type CompareOp = '>' | '>=' | '<' | '<=' | '==' | '!=';
export type RuleAst =
  | { type: 'or' | 'and'; items: RuleAst[] }
  | { type: 'not'; item: RuleAst }
  | { type: 'cmp'; detector: string; metric: string; op: CompareOp; value: number | string; offset: number };

/** A rule that does not parse or names what does not exist; `column` is 1-based. */
export class RuleError extends Error {
  constructor(
    readonly rule: string,
    readonly column: number,
    reason: string,
  ) {
    super(`--fail-if ${JSON.stringify(rule)}: ${reason} at column ${column}\n  ${rule}\n  ${' '.repeat(Math.max(0, column - 1))}^`);
    this.name = 'RuleError';
  }
}

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
const Ref = createToken({ name: 'Ref', pattern: /[a-z0-9][a-z0-9-]*\.[a-z_][a-z0-9_]*/ });
const NumberLit = createToken({ name: 'Number', pattern: /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/ });
const StringLit = createToken({ name: 'String', pattern: /"(?:[^"\\]|\\.)*"/ });
const AndOp = createToken({ name: 'And', pattern: /&&/ });
const OrOp = createToken({ name: 'Or', pattern: /\|\|/ });
const CmpOp = createToken({ name: 'Comparison', pattern: /[<>]=?|==|!=/ });
const NotOp = createToken({ name: 'Not', pattern: /!/ });
const LParen = createToken({ name: 'LParen', pattern: /\(/ });
const RParen = createToken({ name: 'RParen', pattern: /\)/ });
// Order matters: `!=` before `!`, references before numbers.
const TOKENS = [WhiteSpace, Ref, NumberLit, StringLit, AndOp, OrOp, CmpOp, NotOp, LParen, RParen];
const ruleLexer = new Lexer(TOKENS, { positionTracking: 'onlyOffset' });

class RuleParser extends EmbeddedActionsParser {
  constructor() {
    super(TOKENS);
    this.performSelfAnalysis();
  }

  expression = this.RULE('expression', (): RuleAst => {
    const items = [this.SUBRULE(this.and)];
    this.MANY(() => {
      this.CONSUME(OrOp);
      items.push(this.SUBRULE2(this.and));
    });
    return items.length === 1 ? items[0] : { type: 'or', items };
  });

  and = this.RULE('and', (): RuleAst => {
    const items = [this.SUBRULE(this.unary)];
    this.MANY(() => {
      this.CONSUME(AndOp);
      items.push(this.SUBRULE2(this.unary));
    });
    return items.length === 1 ? items[0] : { type: 'and', items };
  });

  unary = this.RULE('unary', (): RuleAst => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(NotOp);
          return { type: 'not', item: this.SUBRULE(this.unary) } as RuleAst;
        },
      },
      {
        ALT: () => {
          this.CONSUME(LParen);
          const inner = this.SUBRULE(this.expression);
          this.CONSUME(RParen);
          return inner;
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  comparison = this.RULE('comparison', (): RuleAst => {
    const ref = this.CONSUME(Ref);
    const op = this.CONSUME(CmpOp);
    const value = this.OR([{ ALT: () => this.CONSUME(NumberLit) }, { ALT: () => this.CONSUME(StringLit) }]);
    return this.ACTION(() => {
      const dot = ref.image.indexOf('.');
      const literal = value.tokenType === StringLit ? (JSON.parse(value.image) as string) : Number(value.image);
      return { type: 'cmp', detector: ref.image.slice(0, dot), metric: ref.image.slice(dot + 1), op: op.image as CompareOp, value: literal, offset: ref.startOffset } as RuleAst;
    });
  });
}

const parser = new RuleParser();

/** Parse and check one rule; throws RuleError with the 1-based column of the problem. */
export function parseRule(text: string): RuleAst {
  const lexed = ruleLexer.tokenize(text);
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0];
    throw new RuleError(text, e.offset + 1, `unexpected character ${JSON.stringify(text.slice(e.offset, e.offset + e.length))}`);
  }
  if (lexed.tokens.length === 0) throw new RuleError(text, 1, 'empty rule');
  parser.input = lexed.tokens;
  const ast = parser.expression();
  if (parser.errors.length > 0) {
    const token = parser.errors[0].token;
    // At end of input chevrotain reports an EOF token without an offset.
    const at = Number.isFinite(token.startOffset) ? token.startOffset : text.length;
    const found = Number.isFinite(token.startOffset) ? `"${token.image}"` : 'end of rule';
    throw new RuleError(text, at + 1, `unexpected ${found} (${expectation(parser.errors[0].message)})`);
  }
  check(text, ast);
  return ast;
}

function expectation(message: string): string {
  // chevrotain's messages list token names; ours read better in rule terms.
  if (/Ref/.test(message) && !/Comparison/.test(message)) return 'expected detector.metric, "!" or "("';
  if (/Comparison/.test(message) && !/Number|String/.test(message)) return 'expected one of > >= < <= == !=';
  if (/Number|String/.test(message)) return 'expected a number or a "quoted string"';
  if (/RParen/.test(message)) return 'expected ")"';
  return 'expected "&&", "||" or the end of the rule';
}

function check(text: string, ast: RuleAst): void {
  if (ast.type === 'not') return check(text, ast.item);
  if (ast.type !== 'cmp') return ast.items.forEach((i) => check(text, i));
  const col = ast.offset + 1;
  if (!DETECTORS.some((d) => d.id === ast.detector)) {
    throw new RuleError(text, col, `unknown detector "${ast.detector}" (known: ${DETECTORS.map((d) => d.id).join(', ')})`);
  }
  const info = metricInfo(ast.detector, ast.metric);
  if (info === undefined) throw new RuleError(text, col, `${ast.detector} has no metric "${ast.metric}" (known: ${Object.keys(METRICS[ast.detector] ?? {}).join(', ')})`);
  if (info.type !== typeof ast.value) throw new RuleError(text, col, `${ast.detector}.${ast.metric} is a ${info.type}, compared with a ${typeof ast.value}`);
  if (info.type === 'string' && ast.op !== '==' && ast.op !== '!=') throw new RuleError(text, col, `${ast.detector}.${ast.metric} is a string: only == and != apply`);
}

/** The detectors a rule names, in order of first mention. */
export function ruleDetectors(ast: RuleAst): string[] {
  if (ast.type === 'cmp') return [ast.detector];
  const inner = ast.type === 'not' ? ruleDetectors(ast.item) : ast.items.flatMap(ruleDetectors);
  return [...new Set(inner)];
}

type Binding = Record<string, Record<string, MetricValue> | undefined>;

/** Whether the rule holds for these findings (semantics in the module comment). */
export function evaluateRule(ast: RuleAst, findings: readonly Finding[]): boolean {
  const detectors = ruleDetectors(ast);
  const choices = detectors.map((d) => {
    const own = findings.filter((f) => f.detector === d).map((f) => f.metrics);
    return own.length > 0 ? own : [undefined];
  });
  // Depth-first over one finding per detector; findings are few (detectors cap their lists).
  const search = (i: number, binding: Binding): boolean => {
    if (i === detectors.length) return holds(ast, binding);
    return choices[i].some((metrics) => search(i + 1, { ...binding, [detectors[i]]: metrics }));
  };
  return search(0, {});
}

function holds(ast: RuleAst, binding: Binding): boolean {
  switch (ast.type) {
    case 'or':
      return ast.items.some((i) => holds(i, binding));
    case 'and':
      return ast.items.every((i) => holds(i, binding));
    case 'not':
      return !holds(ast.item, binding);
    case 'cmp':
      return compare(binding[ast.detector]?.[ast.metric], ast.op, ast.value);
  }
}

function compare(actual: MetricValue | undefined, op: CompareOp, expected: number | string): boolean {
  if (actual === undefined || actual === null || typeof actual !== typeof expected) return false;
  switch (op) {
    case '==':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
  }
}
