import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Format, Generated } from '../../src/sim/index.js';
import { generate, loadScenario, withOverrides } from '../../src/sim/index.js';

export const TMP = mkdtempSync(join(tmpdir(), 'tracelens-sim-'));

/** Short runs keep the suite quick; the model reaches steady state within a few ms. */
export const SHORT_MS = 40;

let serial = 0;

/** Simulate a built-in scenario and write it in `format` to a fresh temp file. */
export function gen(name: string, format: Format, opts: { seed?: number; durationMs?: number; patch?: object } = {}): Generated {
  const s = withOverrides(loadScenario(name), { durationMs: opts.durationMs ?? SHORT_MS, warmupMs: 4, ...(opts.patch ?? {}) });
  const out = join(TMP, `${name}-${format}-${opts.seed ?? 1}-${serial++}.${format === 'xentrace' ? 'bin' : 'txt'}`);
  return generate(s, opts.seed ?? 1, format, out);
}
