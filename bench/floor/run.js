// `node bench/floor/run.js FILE`: the floor of xentrace ingestion on FILE (see README.md).
// Compiles kernel.ts with AssemblyScript (fetched by npx, not a project dependency) on first use.
import { spawnSync } from 'node:child_process';
import { existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify } from '../../dist/parsers/xentrace/event-names.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'out', 'floor');
const wasmPath = join(out, 'kernel.wasm');
if (!existsSync(wasmPath)) {
  mkdirSync(out, { recursive: true });
  const asc = spawnSync('npx', ['--yes', '--package=assemblyscript@0.28.20', '--', 'asc', join(here, 'kernel.ts'), '-O3', '--runtime', 'stub', '--maximumMemory', '65536', '-o', wasmPath], { stdio: 'inherit' });
  if (asc.status !== 0) throw new Error('asc failed');
}

// tracelens's decoder codes (src/parsers/xentrace/event-names.ts) → the kernel's case labels.
const CASE = { 3: 2, 5: 4, 6: 5, 7: 6, 9: 8, 10: 9, 11: 10, 12: 11, 17: 14, 22: 20 };
const names = new Map();
const env = {
  classify: (id) => {
    const [name, code] = classify(id);
    if (!names.has(name)) names.set(name, names.size);
    return (names.get(name) << 5) | (CASE[code] ?? 0);
  },
  abort: () => {
    throw new Error('kernel abort');
  },
};
const k = (await WebAssembly.instantiate(readFileSync(wasmPath), { env })).instance.exports;
const path = process.argv[2];
const fd = openSync(path, 'r');
const size = fstatSync(fd).size;
const nWords = size >>> 2;
const inp = k.alloc(size);
const cap = Math.ceil(nWords / 3) + 16; // a record is ≥ 3 words in practice; the columns hold that many rows
k.setup(inp, nWords, cap);
for (let off = 0; off < size; ) off += readSync(fd, new Uint8Array(k.memory.buffer, inp + off, Math.min(1 << 20, size - off)), 0, Math.min(1 << 20, size - off), off);
const ms = (f) => {
  const t = performance.now();
  const r = f();
  return [performance.now() - t, r];
};
const faults = () => process.resourceUsage().minorPageFault;
k.scan(inp, nWords);
k.merge(inp, false); // warm-up: the first call runs partly in the baseline compiler's code
k.scan(inp, nWords);
const [bare, rows] = ms(() => k.merge(inp, false));
const f0 = faults();
const [touch] = ms(() => k.pretouch(cap));
const touched = faults() - f0;
k.scan(inp, nWords);
const [kept] = ms(() => k.merge(inp, true));
const ns = (t) => ((t * 1e6) / rows).toFixed(1);
console.log(`${path}: ${(size / 1e6).toFixed(1)} MB, ${rows} records`);
console.log(`  decode + merge, no stores        ${bare.toFixed(0)} ms (${ns(bare)} ns/record)`);
console.log(`  decode + merge + 11 column stores ${kept.toFixed(0)} ms (${ns(kept)} ns/record), columns already touched`);
console.log(`  first touch of the columns       ${touch.toFixed(0)} ms for ${touched} page faults (${((touch * 1e3) / touched).toFixed(2)} µs each, ${((cap * 60) / 1e6).toFixed(0)} MB)`);
