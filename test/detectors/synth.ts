import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetectorFinding, DetectorResult } from '../../src/detectors/registry.js';
import { DETECTORS, runDetector } from '../../src/detectors/registry.js';
import type { TraceModel } from '../../src/model/trace-model.js';
import { loadTrace } from '../../src/parsers/index.js';

/**
 * Tiny `perf script` text builder for detector unit tests: tracepoint lines and samples
 * with callchains, written the way perf prints them, then read back through the real parser.
 */
export class PerfText {
  private readonly lines: string[] = [];

  event(comm: string, tid: number, cpu: number, tUs: number, event: string, payload: string): this {
    this.lines.push(`${comm.padStart(16)} ${String(tid).padStart(6)} [${String(cpu).padStart(3, '0')}] ${(tUs / 1e6).toFixed(6)}: ${event}: ${payload}`);
    return this;
  }

  /** A cpu-clock sample; `frames` leaf first. */
  sample(comm: string, tid: number, cpu: number, tUs: number, frames: string[], module = '[kernel.kallsyms]'): this {
    this.lines.push(`${comm} ${tid} [${String(cpu).padStart(3, '0')}] ${(tUs / 1e6).toFixed(6)}:     250000 cpu-clock:ppp: `);
    frames.forEach((f, i) => this.lines.push(`\tffffffff81${String(100000 + i).padStart(6, '0')} ${f}+0x1 (${module})`));
    this.lines.push('');
    return this;
  }

  async model(): Promise<TraceModel> {
    const dir = mkdtempSync(join(tmpdir(), 'tl-det-'));
    const path = join(dir, 'synth.perf.txt');
    writeFileSync(path, `${this.lines.join('\n')}\n`);
    return loadTrace(path, { format: 'perf-script' });
  }
}

export function run(id: string, model: TraceModel, overrides: Record<string, number> = {}): DetectorResult {
  const d = DETECTORS.find((x) => x.id === id);
  if (d === undefined) throw new Error(`no detector ${id}`);
  return runDetector(d, model, overrides);
}

export function found(id: string, model: TraceModel, overrides: Record<string, number> = {}): DetectorFinding[] {
  const r = run(id, model, overrides);
  if ('skipped' in r) throw new Error(`${id} skipped: ${r.skipped}`);
  return r.findings;
}
