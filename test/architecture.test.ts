import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/**
 * The pipeline is the folder structure and dependencies point one way (DESIGN §2):
 * model imports nothing else from src; parsers → model; replay → model; detectors →
 * model, replay; report → model, detectors; sim → parsers' writers only via files;
 * cli → everything. Only cli touches process, argv and exit codes.
 */
const ALLOWED: Record<string, string[]> = {
  model: [],
  parsers: ['model'],
  replay: ['model'],
  detectors: ['model', 'replay'],
  report: ['model', 'detectors', 'replay'],
  sim: ['model'],
  cli: ['model', 'parsers', 'replay', 'detectors', 'report', 'sim'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const SRC = join(ROOT, 'src');
const files = sourceFiles(SRC);
const layerOf = (file: string) => relative(SRC, file).split('/')[0];

describe('architecture', () => {
  it('every src file lives in a known layer', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(Object.keys(ALLOWED)).toContain(layerOf(f));
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s imports only along the pipeline', (_name, file) => {
    const layer = layerOf(file);
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => join(file, '..', m[1]));
    for (const target of targets) {
      const to = layerOf(target);
      if (to === layer) continue;
      expect(ALLOWED[layer], `${relative(ROOT, file)} imports ${relative(ROOT, target)}`).toContain(to);
    }
  });

  it('only cli touches process', () => {
    for (const f of files) {
      if (layerOf(f) === 'cli') continue;
      expect(readFileSync(f, 'utf8'), relative(ROOT, f)).not.toMatch(/\bprocess\.(argv|exit|exitCode|stdout|stdin|stderr)\b/);
    }
  });

  it('every src folder has a README naming each of its modules', () => {
    const dirs = new Set(files.map((f) => join(f, '..')));
    for (const d of dirs) {
      const readme = readFileSync(join(d, 'README.md'), 'utf8');
      for (const f of files.filter((x) => join(x, '..') === d)) {
        expect(readme, `${relative(ROOT, d)}/README.md`).toContain(relative(d, f).replace(/\.ts$/, ''));
      }
    }
  });
});
