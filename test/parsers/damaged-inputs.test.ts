import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError, loadTrace } from '../../src/parsers/index.js';
import { findingsDocument, renderJson, runDetectors } from '../../src/report/findings.js';
import { summarizeInput } from '../../src/report/input-summary.js';
import { OWN_TRACES, SHARED_TRACES } from '../helpers.js';

/**
 * Every sample trace (ours and the shared ones), damaged three ways four times over — bytes
 * overwritten, cut short, a middle piece cut out — must load or be refused with an InputError, and whatever
 * loads must summarise, run every detector and render without throwing. Binary captures that a
 * converter renders (perf.data, trace.dat) are left out: the damage would be perf's to report.
 */
const MAX_BYTES = 400_000;

function samples(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...samples(p));
    else if (!/\.(md|json|sh|data|dat)$|README/.test(name)) out.push(p);
  }
  return out;
}

/** A deterministic xorshift stream per file, so a failure names a reproducible input. */
function damaged(bytes: Buffer, seed: number): Buffer[] {
  let s = seed | 1;
  const next = (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  const flipped = Buffer.from(bytes);
  for (let i = 0; i < 24; i++) flipped[next(flipped.length)] = next(256);
  const cut = bytes.subarray(0, next(bytes.length));
  const a = next(bytes.length);
  const holed = Buffer.concat([bytes.subarray(0, a), bytes.subarray(a + next(bytes.length - a))]);
  return [flipped, cut, holed];
}

describe('damaged inputs: clear errors or partial results, never a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracelens-damaged-'));
  const files = [...samples(OWN_TRACES), ...samples(SHARED_TRACES)].filter((p) => statSync(p).size > 0);

  it('covers the samples of every format', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((p, i) => [p.slice(p.indexOf('traces')), p, i] as const))('%s', async (_label, path, index) => {
    let bytes = readFileSync(path);
    if (path.endsWith('.gz')) bytes = gunzipSync(bytes);
    bytes = bytes.subarray(0, MAX_BYTES);
    const outcomes: string[] = [];
    const variants = [1, 2, 3, 4].flatMap((round) => damaged(bytes, 0x9e3779b9 * round + index));
    for (const [k, variant] of variants.entries()) {
      const file = join(dir, `${index}-${k}`);
      writeFileSync(file, variant);
      let model;
      try {
        model = await loadTrace(file);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        outcomes.push('refused');
        continue;
      }
      const summary = summarizeInput(model, file);
      const { findings, skipped } = runDetectors([model]);
      expect(JSON.parse(renderJson(findingsDocument([summary], findings, skipped))).inputs[0].events).toBe(summary.events);
      outcomes.push('read');
    }
    expect(outcomes).toHaveLength(12);
  });
});
