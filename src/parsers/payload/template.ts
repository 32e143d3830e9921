import type { SlotType, TemplateAst } from './template-grammar.js';
import { parseTemplate } from './template-grammar.js';

/** Values captured by one match, by slot index: numbers for numeric slots, text otherwise. */
export interface SlotValues {
  nums: Float64Array;
  strs: (string | null)[];
}

export const MAX_SLOTS = 12;

export function newSlotValues(): SlotValues {
  return { nums: new Float64Array(MAX_SLOTS), strs: new Array<string | null>(MAX_SLOTS).fill(null) };
}

type Convert = (text: string, out: SlotValues, i: number) => boolean;

const HEX = /^(?:0x)?[0-9a-fA-F]+$/;
// TASK_REPORT order as the kernel prints prev_state letters.
const STATE_BITS: Record<string, number> = { R: 0, S: 1, D: 2, T: 4, t: 8, X: 16, Z: 32, P: 64, I: 128 };
const LOCK_FLAG_BITS: Record<string, number> = { SPIN: 1, READ: 2, WRITE: 4, RT: 8, PERCPU: 16, MUTEX: 32 };

function number(n: number, out: SlotValues, i: number): boolean {
  out.nums[i] = n;
  out.strs[i] = null;
  return n === n;
}

function bitsOf(text: string, table: Record<string, number>): number {
  let bits = 0;
  for (const part of text.split('|')) {
    const letter = part.replace(/\+$/, '');
    if (letter === '' || letter === '0x0') continue;
    const bit = table[letter];
    if (bit === undefined) return /^0x[0-9a-f]+$/i.test(letter) ? parseInt(letter, 16) : NaN;
    bits |= bit;
  }
  return bits;
}

function converter(type: SlotType): Convert {
  if (type.startsWith('enum:')) {
    const names = type.slice(5).split(',');
    return (t, out, i) => number(names.indexOf(t.trim()), out, i) && out.nums[i] >= 0;
  }
  switch (type) {
    case 'int':
      return (t, out, i) => t.length > 0 && number(Number(t), out, i);
    case 'hex':
      return (t, out, i) => HEX.test(t) && number(parseInt(t, 16), out, i);
    case 'state':
      return (t, out, i) => t.length > 0 && number(bitsOf(t, STATE_BITS), out, i);
    case 'lockflags':
      return (t, out, i) => number(bitsOf(t, LOCK_FLAG_BITS), out, i);
    case 'ptr':
      return (t, out, i) => {
        out.strs[i] = t;
        return t.length > 0 && !t.includes(' ');
      };
    case 'str':
      return (t, out, i) => {
        out.strs[i] = t;
        return true;
      };
    default:
      throw new Error(`unknown slot type ${type}`);
  }
}

/**
 * A compiled payload template. Matching walks literal anchors with indexOf and converts
 * the text between them; when a conversion fails it retries the previous slot at the
 * anchor's next occurrence (one comm like `kworker/0:1` can contain the next literal).
 */
export class PayloadTemplate {
  readonly ast: TemplateAst;
  private readonly converters: Convert[];
  private readonly numericSlot: boolean[];

  constructor(readonly spec: string) {
    this.ast = parseTemplate(spec);
    this.converters = this.ast.slots.map((s) => converter(s.type));
    this.numericSlot = this.ast.slots.map((s) => s.type !== 'str');
  }

  slotIndex(name: string): number {
    return this.ast.slots.findIndex((s) => s.name === name);
  }

  match(payload: string, out: SlotValues): boolean {
    const first = this.ast.literals[0];
    if (!payload.startsWith(first)) return false;
    if (this.ast.slots.length === 0) return payload.length === first.length;
    return this.matchSlot(payload, 0, first.length, out);
  }

  private matchSlot(p: string, slot: number, pos: number, out: SlotValues): boolean {
    const after = this.ast.literals[slot + 1];
    const convert = this.converters[slot];
    const last = slot === this.ast.slots.length - 1;
    if (last) {
      if (after === '') {
        // A trailing numeric/pointer slot ends at the first space: newer kernels append fields.
        let end = p.length;
        if (this.numericSlot[slot]) {
          const sp = p.indexOf(' ', pos);
          if (sp >= 0) end = sp;
        }
        return convert(p.slice(pos, end), out, slot);
      }
      if (!p.endsWith(after) || p.length - after.length < pos) return false;
      return convert(p.slice(pos, p.length - after.length), out, slot);
    }
    for (let at = p.indexOf(after, pos); at >= 0; at = p.indexOf(after, at + 1)) {
      if (convert(p.slice(pos, at), out, slot) && this.matchSlot(p, slot + 1, at + after.length, out)) return true;
    }
    return false;
  }
}
