import type { TraceModel } from '../model/trace-model.js';

export interface RankedFunction {
  func: string;
  module: string;
  self: number;
  total: number;
}

export interface RankedStack {
  /** Leaf first. */
  frames: string[];
  weight: number;
}

/**
 * Hot functions and stacks by sample weight. Weights are first summed per stack id, so
 * each distinct stack is walked once however many samples share it.
 */
export function rankProfile(model: TraceModel, topN = 10, event = -1): { functions: RankedFunction[]; stacks: RankedStack[]; total: number } {
  const perStack = new Map<number, number>();
  let total = 0;
  const s = model.samples;
  for (let i = 0; i < s.stack.length; i++) {
    if (event >= 0 && s.event[i] !== event) continue;
    const w = s.weight[i];
    total += w;
    perStack.set(s.stack[i], (perStack.get(s.stack[i]) ?? 0) + w);
  }
  const self = new Map<number, number>();
  const inclusive = new Map<number, number>();
  const { parent, frame } = model.stacks;
  const seen = new Set<number>();
  for (const [stack, w] of perStack) {
    if (stack < 0) continue;
    const leaf = frame[stack];
    self.set(leaf, (self.get(leaf) ?? 0) + w);
    seen.clear();
    // Recursion repeats a frame within one stack; count it once.
    for (let st = stack; st >= 0; st = parent[st]) seen.add(frame[st]);
    for (const f of seen) inclusive.set(f, (inclusive.get(f) ?? 0) + w);
  }
  const byWeightThenName = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const frameLabel = (f: number) => model.str(model.frames.func[f]);
  const functions = [...inclusive.entries()]
    .map(([f, total]) => ({ f, total, self: self.get(f) ?? 0 }))
    .sort((a, b) => b.self - a.self || b.total - a.total || byWeightThenName([frameLabel(a.f), 0], [frameLabel(b.f), 0]))
    .slice(0, topN)
    .map(({ f, total, self }) => ({ func: frameLabel(f), module: model.str(model.frames.module[f]), self, total }));
  const stacks = [...perStack.entries()]
    .filter(([st]) => st >= 0)
    .map(([st, w]): [string, number, number] => [model.stackFuncs(st).join(';'), w, st])
    .sort((a, b) => byWeightThenName([a[0], a[1]], [b[0], b[1]]))
    .slice(0, topN)
    .map(([, weight, st]) => ({ frames: model.stackFuncs(st), weight }));
  return { functions, stacks, total };
}

/** Sampling events by total weight, heaviest first (ties by name): cycles and LLC misses never mix. */
export function sampleEvents(model: TraceModel): { event: number; name: string; weight: number }[] {
  const weights = new Map<number, number>();
  const s = model.samples;
  for (let i = 0; i < s.event.length; i++) weights.set(s.event[i], (weights.get(s.event[i]) ?? 0) + s.weight[i]);
  return [...weights.entries()]
    .map(([event, weight]) => ({ event, name: model.str(event), weight }))
    .sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
