import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers.js';
import type { Truth } from './truth-score.js';
import { score } from './truth-score.js';

/**
 * The bar of issue 6 on simulator output: every pathology scenario × every format —
 * every injected pathology found with its metrics within 10% of the truth, and the
 * baseline with no warning or error. Runs once src/sim exists and `simulate` is a command.
 */
const FORMATS = ['perf-script', 'ftrace', 'xentrace', 'xenoprof'];

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 512 << 20 });
  return { code: r.status, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

const simHelp = existsSync(join(ROOT, 'src', 'sim')) && existsSync(CLI) ? cli(['simulate', '--help']) : null;
// commander answers `unknown --help` with the program's help: require the simulate options themselves.
const simReady = simHelp !== null && simHelp.code === 0 && simHelp.stdout.includes('--scenario');

/** Scenario names from commander's `(choices: "a", "b")` help text, or TL_SIM_SCENARIOS. */
function scenarios(): string[] {
  if (process.env.TL_SIM_SCENARIOS) return process.env.TL_SIM_SCENARIOS.split(',');
  const text = simHelp?.stdout ?? '';
  const m = /--scenario[\s\S]*?\(choices: ([^)]*)\)/.exec(text);
  return m === null ? [] : [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

describe.runIf(simReady)('detectors against simulator truth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-sim-truth-'));
  const names = scenarios();

  it('lists scenarios, including a baseline', () => {
    expect(names.length).toBeGreaterThan(1);
    expect(names.some((n) => /baseline/.test(n))).toBe(true);
  });

  it.each(names.flatMap((s) => FORMATS.map((f) => [s, f])))('%s × %s', (scenario, format) => {
    const out = join(dir, `${scenario}.${format}`);
    const sim = cli(['simulate', '--scenario', scenario, '--format', format, '--out', out]);
    expect(sim.code, sim.stderr).toBe(0);
    const truth = JSON.parse(readFileSync(`${out}.truth.json`, 'utf8')) as Truth;
    expect(truth.schema).toBe('tracelens.truth/v1');
    const analysed = cli(['analyze', out, '--format', format, '--json', '-']);
    expect(analysed.code, analysed.stderr).toBe(0);
    const doc = JSON.parse(analysed.stdout);
    expect(score(truth, doc.findings)).toEqual([]);
  }, 180_000);
});

describe.runIf(!simReady)('detectors against simulator truth', () => {
  it.skip('needs src/sim and the `simulate` command (issue 5)', () => undefined);
});
