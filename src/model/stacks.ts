import { ColumnSet } from './columns.js';
import { FRAME_COLUMNS, STACK_COLUMNS } from './schema.js';

/**
 * Interned frames and parent-linked stacks (the Firefox-profiler / Perfetto shape):
 * a frame is a (function, module) pair; a stack is (parent stack, frame). Identical
 * call paths share rows, so a deep profile costs one row per distinct path suffix.
 *
 * Keys are packed into one number (id * 2^26 + id) because Map<number> lookups are
 * several times cheaper than building string keys on the hot path.
 */
const SHIFT = 2 ** 26;

export class StackTable {
  readonly frames = new ColumnSet(FRAME_COLUMNS, 1024);
  readonly stacks = new ColumnSet(STACK_COLUMNS, 1024);
  private readonly frameIds = new Map<number, number>();
  private readonly stackIds = new Map<number, number>();

  internFrame(func: number, module: number): number {
    const key = func * SHIFT + module;
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frames.push();
      this.frames.fixed.func[id] = func;
      this.frames.fixed.module[id] = module;
      this.frameIds.set(key, id);
    }
    return id;
  }

  internStack(parent: number, frame: number): number {
    const key = (parent + 1) * SHIFT + frame;
    let id = this.stackIds.get(key);
    if (id === undefined) {
      id = this.stacks.push();
      this.stacks.fixed.parent[id] = parent;
      this.stacks.fixed.frame[id] = frame;
      this.stackIds.set(key, id);
    }
    return id;
  }

  /** Intern a callchain given leaf-first (as perf prints it); returns the leaf's stack id or -1. */
  internLeafFirst(frameIds: ArrayLike<number>, count: number): number {
    let stack = -1;
    for (let i = count - 1; i >= 0; i--) stack = this.internStack(stack, frameIds[i]);
    return stack;
  }
}
