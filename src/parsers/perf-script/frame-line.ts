import { ByteKeyMap } from '../input/byte-key-map.js';
import type { StackTable } from '../../model/stacks.js';
import type { StringPool } from '../../model/string-pool.js';

/**
 * Callchain frame lines: `<ws> <hex addr> <ws> <symbol>[+0xoff] (<dso>)[ (inlined)]`.
 * Symbols may hold spaces and parentheses, so the DSO is the *last* parenthesised group.
 * Each distinct `symbol (dso)` text is resolved once; later sightings are one Map lookup.
 */
const SPACE = 32;
const TAB = 9;
const INLINED = ' (inlined)';

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Offset of the symbol text if the line is shaped like a frame, else -1. */
export function frameSymbolStart(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
  if (i === start && buf[start] !== TAB) {
    // Frames are always indented; an unindented line is a record head.
    return -1;
  }
  const addr = i;
  while (i < end && isHex(buf[i])) i++;
  if (i === addr || i >= end || (buf[i] !== SPACE && buf[i] !== TAB)) return -1;
  while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
  return i < end ? i : -1;
}

export class FrameResolver {
  private readonly cache = new ByteKeyMap();
  private readonly unknownModule: number;

  constructor(
    private readonly pool: StringPool,
    private readonly stacks: StackTable,
  ) {
    this.unknownModule = pool.intern('[unknown]');
  }

  /** Frame id for the text `symbol (dso)` in buf[start, end). */
  resolve(buf: Buffer, start: number, end: number): number {
    let id = this.cache.get(buf, start, end);
    if (id < 0) {
      id = this.resolveNew(buf.toString('utf8', start, end));
      this.cache.setLast(buf, start, end, id);
    }
    return id;
  }

  private resolveNew(text: string): number {
    let body = text.trimEnd();
    if (body.endsWith(INLINED)) body = body.slice(0, -INLINED.length);
    let sym = body;
    let module = this.unknownModule;
    if (body.endsWith(')')) {
      const open = matchingOpen(body);
      if (open > 0) {
        module = this.pool.intern(body.slice(open + 1, -1));
        sym = body.slice(0, open).trimEnd();
      }
    }
    // Drop the symoff so one function aggregates across its call sites.
    const plus = sym.lastIndexOf('+0x');
    if (plus > 0 && /^\+0x[0-9a-f]+$/.test(sym.slice(plus))) sym = sym.slice(0, plus);
    if (sym === '') sym = '[unknown]';
    return this.stacks.internFrame(this.pool.intern(sym), module);
  }
}

/** Index of the `(` that opens the final `(...)` group, honouring nesting inside DSO names. */
function matchingOpen(s: string): number {
  let depth = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 41) depth++;
    else if (c === 40 && --depth === 0) return i > 0 && s.charCodeAt(i - 1) === SPACE ? i : -1;
  }
  return -1;
}
