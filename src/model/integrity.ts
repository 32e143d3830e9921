import { KINDS } from './schema.js';
import type { TraceModel } from './trace-model.js';

/**
 * Structural checks every model must pass: equal column lengths, ids in range, stacks
 * acyclic (parents precede children), integer-valued non-negative times. Returns the
 * problems found (empty = sound); tests assert it on every parsed fixture.
 */
export function checkIntegrity(model: TraceModel): string[] {
  const problems: string[] = [];
  const nStrings = model.strings.length;
  const nStacks = model.stacks.parent.length;
  const nFrames = model.frames.func.length;
  const nThreads = model.threads.length;

  const sameLength = (table: string, cols: Record<string, ArrayLike<number>>) => {
    const lengths = new Set(Object.values(cols).map((c) => c.length));
    if (lengths.size > 1) problems.push(`${table}: columns differ in length`);
  };
  sameLength('events', model.events);
  sameLength('samples', model.samples);
  sameLength('stacks', model.stacks);
  sameLength('frames', model.frames);

  const inRange = (what: string, id: number, n: number, allowNone: boolean) => {
    if (Number.isInteger(id) && (id < n || n === 0) && (id >= 0 || (allowNone && id === -1))) return true;
    problems.push(`${what}: id ${id} out of range (size ${n})`);
    return false;
  };
  const time = (what: string, ts: number) => {
    if (ts !== ts) return; // NaN: format has no time
    if (!Number.isInteger(ts) || ts < 0) problems.push(`${what}: bad time ${ts}`);
  };

  const e = model.events;
  for (let i = 0; i < e.tsNs.length && problems.length < 20; i++) {
    time(`events[${i}]`, e.tsNs[i]);
    if (e.kind[i] >= KINDS.length) problems.push(`events[${i}]: unknown kind ${e.kind[i]}`);
    inRange(`events[${i}].name`, e.name[i], nStrings, false);
    inRange(`events[${i}].str0`, e.str0[i], nStrings, true);
    inRange(`events[${i}].utid`, e.utid[i], nThreads, true);
    inRange(`events[${i}].stack`, e.stack[i], nStacks, true);
  }
  const s = model.samples;
  for (let i = 0; i < s.tsNs.length && problems.length < 20; i++) {
    time(`samples[${i}]`, s.tsNs[i]);
    inRange(`samples[${i}].stack`, s.stack[i], nStacks, true);
    inRange(`samples[${i}].utid`, s.utid[i], nThreads, true);
    inRange(`samples[${i}].event`, s.event[i], nStrings, false);
    if (!(s.weight[i] > 0)) problems.push(`samples[${i}]: weight ${s.weight[i]}`);
  }
  for (let i = 0; i < nStacks && problems.length < 20; i++) {
    const parent = model.stacks.parent[i];
    if (parent >= i) problems.push(`stacks[${i}]: parent ${parent} does not precede it`);
    inRange(`stacks[${i}].frame`, model.stacks.frame[i], nFrames, false);
  }
  for (let i = 0; i < nFrames && problems.length < 20; i++) {
    inRange(`frames[${i}].func`, model.frames.func[i], nStrings, false);
    inRange(`frames[${i}].module`, model.frames.module[i], nStrings, false);
  }
  model.threads.forEach((t, i) => {
    if (t.utid !== i) problems.push(`threads[${i}]: utid ${t.utid}`);
  });
  return problems;
}
