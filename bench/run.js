// `npm run bench [-- FILE...] [--format ID]`: whole-process throughput and peak memory of
// `tracelens analyze` on ≥ 300 MB inputs made on the fly (or the files given).
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATORS } from './inputs.js';
import { findXenalyze, timeXenalyze } from './xenalyze.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'bench', 'out');
const args = process.argv.slice(2);
const formatAt = args.indexOf('--format');
const formats = formatAt >= 0 ? [args.splice(formatAt, 2)[1]] : Object.keys(GENERATORS);

// The bars are for one core: pin the measured process to CPU 0 when taskset exists.
const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

function measure(path) {
  const node = [process.execPath, '--require', join(root, 'bench', 'usage-probe.cjs'), join(root, 'bin', 'tracelens.js'), 'analyze', path, '--json', '-', '-q'];
  const [cmd, ...cmdArgs] = pinned ? ['taskset', '-c', '0', ...node] : node;
  const r = spawnSync(cmd, cmdArgs, { maxBuffer: 256 << 20 });
  const line = r.stderr.toString().split('\n').find((l) => l.startsWith('BENCH_USAGE '));
  if (r.status !== 0 || line === undefined) throw new Error(`analyze failed (exit ${r.status}): ${r.stderr.toString().slice(0, 2000)}`);
  const usage = JSON.parse(line.slice('BENCH_USAGE '.length));
  const doc = JSON.parse(r.stdout.toString());
  const bytes = statSync(path).size;
  const events = doc.inputs.reduce((n, i) => n + i.events, 0);
  return { path, bytes, events, format: doc.inputs[0].format, ...usage };
}

/** xentrace inputs: the same file through `xenalyze -s`, and tracelens's throughput as a share of it. */
function yardstick(path, m) {
  if (m.format !== 'xentrace') return;
  const x = findXenalyze(outDir);
  if (x.path === null) return console.log(`  vs xenalyze  not measured: ${x.reason}`);
  const wall = timeXenalyze(x.path, path, pinned);
  console.log(`  vs xenalyze  xenalyze -s ${wall.toFixed(2)} s (${(m.bytes / 1e6 / wall).toFixed(1)} MB/s, median of 3): tracelens at ${(wall / m.wallS).toFixed(2)} x its throughput`);
}

function report(label, origin, m) {
  const mb = m.bytes / 1e6;
  const rssMb = (m.maxRssKb * 1024) / 1e6;
  console.log(`${label}  (${origin}; ${pinned ? 'pinned to one core' : 'not pinned: taskset missing'})`);
  console.log(`  input       ${mb.toFixed(1)} MB, format ${m.format}, ${m.events.toLocaleString('en-US')} events`);
  console.log(`  wall        ${m.wallS.toFixed(2)} s (user ${m.userS.toFixed(2)} s, sys ${m.sysS.toFixed(2)} s)`);
  console.log(`  throughput  ${(mb / m.wallS).toFixed(1)} MB/s, ${(m.events / m.wallS / 1e6).toFixed(2)} M events/s`);
  console.log(`  peak RSS    ${rssMb.toFixed(0)} MB = ${(rssMb / mb).toFixed(2)} x input`);
  yardstick(m.path, m);
}

mkdirSync(outDir, { recursive: true });
if (args.length > 0) {
  for (const path of args) report(path, 'given', measure(path));
} else {
  for (const format of formats) {
    const make = GENERATORS[format];
    if (make === undefined) throw new Error(`no generator for ${format} (have: ${Object.keys(GENERATORS).join(', ')})`);
    const { path, origin } = await make(outDir, root);
    measure(path); // warm the page cache so the figure is the parser's, not the disk's
    report(format, origin, measure(path));
  }
}
