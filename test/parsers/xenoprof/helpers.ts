import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceModel } from '../../../src/model/trace-model.js';
import { loadTrace } from '../../../src/parsers/index.js';

/** Shared by the xenoprof tests: temp files, forced-format loading and model queries. */
const dir = mkdtempSync(join(tmpdir(), 'tracelens-xenoprof-'));
let n = 0;

export function tempFile(text: string | Buffer, name = `t${++n}.txt`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Parse text as opreport (forced, so a block's sniff score does not matter). */
export function parseText(text: string, strict = false): Promise<TraceModel> {
  return loadTrace(tempFile(text), { format: 'xenoprof', strict });
}

/** `func@module` of each frame of a stack, root (outermost caller) first. */
export function stackPath(model: TraceModel, stack: number): string[] {
  const out: string[] = [];
  for (let s = stack; s >= 0; s = model.stacks.parent[s]) {
    const f = model.stacks.frame[s];
    out.unshift(`${model.str(model.frames.func[f])}@${model.str(model.frames.module[f])}`);
  }
  return out;
}

/** Every stack of the model (with or without samples) as a `a@m > b@m` path string. */
export function allStacks(model: TraceModel): string[] {
  return Array.from({ length: model.stacks.parent.length }, (_, i) => stackPath(model, i).join(' > '));
}

export interface SampleView {
  weight: number;
  event: string;
  domain: number;
  cpu: number;
  tid: number;
  path: string;
}

export function samples(model: TraceModel): SampleView[] {
  const s = model.samples;
  return Array.from({ length: s.weight.length }, (_, i) => ({
    weight: s.weight[i],
    event: model.str(s.event[i]),
    domain: s.domain[i],
    cpu: s.cpu[i],
    tid: s.utid[i] >= 0 ? model.threads[s.utid[i]].tid : -1,
    path: stackPath(model, s.stack[i]).join(' > '),
  }));
}

export const totalWeight = (model: TraceModel, keep: (s: SampleView) => boolean = () => true) =>
  samples(model)
    .filter(keep)
    .reduce((a, s) => a + s.weight, 0);

export const warnings = (model: TraceModel) => model.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.code);
export const codes = (model: TraceModel) => model.diagnostics.map((d) => d.code);

/**
 * An opreport row as format_output prints it: each field left-aligned and padded to its width,
 * or followed by exactly one space when longer (FORMATS.md §4.3); the last field unpadded.
 */
export function opRow(fields: [string | number, number][], last: string): string {
  return fields.map(([v, w]) => (String(v).length < w ? String(v).padEnd(w) : `${v} `)).join('') + last;
}

/** A share as opreport prints it: `%.4f`, the exponent form for tiny values, bare `0` for zero. */
export function opPct(n: number, total: number): string {
  if (n === 0) return '0';
  const p = (100 * n) / total;
  return p < 0.001 ? p.toExponential(1).replace(/e-(\d)$/, 'e-0$1') : p.toFixed(4);
}
