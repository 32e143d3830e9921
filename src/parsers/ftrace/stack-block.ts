import type { TraceBuilder } from '../../model/builder.js';
import { ByteKeyMap } from '../input/byte-key-map.js';

/**
 * `<stack trace>` / `<user stack trace>` blocks (FORMATS.md §2.5): the marker line is its own
 * ring-buffer entry, followed by ` => frame` lines (trace-cmd: `=> func (ffffffff8161f8b0)`).
 * The frames belong to the event just before the marker on the same CPU, so a block collects
 * frames until the first line that is not a frame and then attaches them to its target row.
 *
 * Frame texts: `__schedule+0x448/0x7b0`, `func+0x1/0x2 [module]`, `func <ffffffff81…>` (sym-addr),
 * user `<00007f…>` or `libc.so.6[+0x1234]`. Each distinct text is resolved once (ByteKeyMap).
 */
const SPACE = 32;
const TAB = 9;
const isBlank = (c: number) => c === SPACE || c === TAB;

/** Offset of the frame text when the line is ` => frame`, else -1. */
export function frameTextStart(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && isBlank(buf[i])) i++;
  if (i + 2 >= end || buf[i] !== 61 || buf[i + 1] !== 62 || !isBlank(buf[i + 2])) return -1;
  i += 3;
  while (i < end && isBlank(buf[i])) i++;
  return i < end ? i : -1;
}

const OFFSET = /\+0x[0-9a-f]+(?:\/0x[0-9a-f]+)?$/i;

export class StackBlocks {
  private readonly kernelFrames = new ByteKeyMap();
  private readonly userFrames = new ByteKeyMap();
  private readonly kernelModule: number;
  private readonly unknownModule: number;
  private frames = new Int32Array(128);
  private count = 0;
  private targetRow = -1;
  private user = false;
  /** Row whose user stack was attached last: a second user block for it is an orphan. */
  private lastUserRow = -1;

  constructor(private readonly b: TraceBuilder) {
    this.kernelModule = b.pool.intern('[kernel.kallsyms]');
    this.unknownModule = b.pool.intern('[unknown]');
  }

  get open(): boolean {
    return this.targetRow >= 0;
  }

  /** Can `row` take a (user) stack? Kernel blocks need a row without a stack yet. */
  accepts(row: number, user: boolean): boolean {
    if (row < 0) return false;
    return user ? this.lastUserRow !== row : this.b.events.adaptive.stack.get(row) === -1;
  }

  begin(row: number, user: boolean): void {
    this.end();
    this.targetRow = row;
    this.user = user;
    this.count = 0;
  }

  addFrame(buf: Buffer, start: number, end: number): void {
    while (end > start && isBlank(buf[end - 1])) end--;
    const cache = this.user ? this.userFrames : this.kernelFrames;
    let id = cache.get(buf, start, end);
    if (id < 0) {
      id = this.resolve(buf.toString('utf8', start, end), this.user);
      cache.setLast(buf, start, end, id);
    }
    if (this.count === this.frames.length) {
      const grown = new Int32Array(this.frames.length * 2);
      grown.set(this.frames);
      this.frames = grown;
    }
    this.frames[this.count++] = id;
  }

  /** Close the open block (if any) and attach its frames, leaf first as printed. */
  end(): void {
    const row = this.targetRow;
    if (row < 0) return;
    this.targetRow = -1;
    if (this.count === 0) return;
    const stacks = this.b.stacks;
    const cols = this.b.events.adaptive;
    if (this.user) {
      // User frames are the callers of the kernel entry: they go below an existing kernel stack.
      let stack = stacks.internLeafFirst(this.frames, this.count);
      const kernel = this.chain(cols.stack.get(row));
      for (let k = kernel.length - 1; k >= 0; k--) stack = stacks.internStack(stack, kernel[k]);
      cols.stack.set(row, stack);
      this.lastUserRow = row;
    } else {
      cols.stack.set(row, stacks.internLeafFirst(this.frames, this.count));
    }
    this.count = 0;
  }

  /** Frame ids of a stack, leaf first. */
  private chain(stack: number): number[] {
    const out: number[] = [];
    const { parent, frame } = this.b.stacks.stacks.fixed;
    for (let s = stack; s >= 0; s = parent[s]) out.push(frame[s]);
    return out;
  }

  private resolve(text: string, user: boolean): number {
    const pool = this.b.pool;
    let sym = text;
    let module = user ? this.unknownModule : this.kernelModule;
    // trace-cmd appends `(ffffffff8161f8b0)`, sym-addr appends `<ffffffff…>`: neither names the function.
    sym = sym.replace(/\s+(?:\([0-9a-f]+\)|<[0-9a-f]+>)$/i, '');
    const mod = /^(.*\S)\s+\[([^\]]+)\]$/.exec(sym);
    if (mod !== null) {
      sym = mod[1];
      module = pool.intern(mod[2]);
    } else if (user) {
      const lib = /^(.+)\[\+0x[0-9a-f]+\]$/i.exec(sym);
      if (lib !== null) module = pool.intern(lib[1]);
    }
    if (!user || !sym.includes('[')) sym = sym.replace(OFFSET, '');
    if (sym === '') sym = '[unknown]';
    return this.b.stacks.internFrame(pool.intern(sym), module);
  }
}
