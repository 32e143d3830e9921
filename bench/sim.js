// `npm run bench:sim [-- --duration-ms N] [--scenario NAME]`: how fast the simulator generates
// traces, per format: records written per second of wall time, simulation + writing, and of
// writing alone. Each format is generated three times with different seeds; the fastest run is
// reported (the first pays for JIT compilation; others on a shared machine add noise).
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FORMAT_IDS, generate, loadScenario, withOverrides } from '../dist/sim/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const durationMs = Number(arg('--duration-ms', '400'));
const scenario = arg('--scenario', 'multiqueue');

console.log(`scenario ${scenario}, ${durationMs} ms simulated per run (perf/ftrace capture the sending guest)`);
console.log('format        records     MB   simulate ms  write ms   M rec/s (total)  M rec/s (write)');
for (const format of FORMAT_IDS) {
  const s = withOverrides(loadScenario(scenario), { durationMs, capture: { domain: 1 } });
  const out = join(outDir, `sim.${format}`);
  let g;
  for (let seed = 1; seed <= 3; seed++) {
    const run = generate(s, seed, format, out);
    if (g === undefined || run.simulateMs + run.writeMs < g.simulateMs + g.writeMs) g = run;
  }
  const total = g.simulateMs + g.writeMs;
  const mb = statSync(out).size / 1e6;
  console.log(
    `${format.padEnd(12)} ${String(g.written.records).padStart(8)} ${mb.toFixed(1).padStart(6)} ${g.simulateMs.toFixed(0).padStart(12)} ${g.writeMs.toFixed(0).padStart(9)} ${(g.written.records / total / 1e3).toFixed(2).padStart(17)} ${(g.written.records / g.writeMs / 1e3).toFixed(2).padStart(16)}` +
      (format === 'xenoprof' ? `   (opreport rows; ${g.written.meta.total_samples} samples counted)` : ''),
  );
  rmSync(`${out}.truth.json`, { force: true });
}
