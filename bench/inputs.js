// Big benchmark inputs, made on the fly from real captures (never committed).
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MIN_BYTES = 300e6;

/** Repeat `body` (a Buffer of whole records) after `header` until the file reaches MIN_BYTES. */
async function repeatToSize(path, header, body) {
  const out = createWriteStream(path);
  const write = (b) => new Promise((resolve) => (out.write(b) ? resolve() : out.once('drain', resolve)));
  await write(header);
  for (let written = header.length; written < MIN_BYTES; written += body.length) await write(body);
  await new Promise((resolve) => out.end(resolve));
}

/** A fresh `perf record -a -g` of a bounded CPU + syscall workload, as `perf script` text. */
function capturePerfScript(dir) {
  const data = join(dir, 'bench.perf.data');
  const workload = 'for i in 1 2 3 4; do dd if=/dev/urandom bs=1M count=150 2>/dev/null | sha256sum >/dev/null & done; wait';
  const rec = spawnSync('perf', ['record', '-a', '-g', '-F', '2000', '-o', data, '--', 'sh', '-c', workload], { stdio: 'ignore', timeout: 60_000 });
  if (rec.status !== 0) return null;
  const script = spawnSync('perf', ['script', '-i', data], { maxBuffer: 1 << 30, timeout: 120_000 });
  return script.status === 0 && script.stdout.length > 0 ? script.stdout : null;
}

/**
 * A valid xentrace binary made of the shared sample's windows re-emitted until MIN_BYTES, every
 * TSC shifted forward by the sample's span per copy so each pCPU's time keeps increasing.
 */
function xentraceCopies(sample) {
  const words = new Uint32Array(sample.buffer, sample.byteOffset, sample.length >>> 2);
  const tscAt = []; // word index of each record's TSC low word
  let min = Infinity;
  let max = -Infinity;
  for (let w = 0; w + 3 <= words.length; ) {
    const end = w + 3 + (words[w + 2] >>> 2);
    for (w += 3; w < end; ) {
      const h = words[w];
      if (h >>> 31) {
        tscAt.push(w + 1);
        const t = words[w + 2] * 2 ** 32 + words[w + 1];
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
      w += 1 + (h >>> 31) * 2 + ((h >>> 28) & 7);
    }
  }
  const span = max - min + 1000;
  return function* copies() {
    for (let k = 0; ; k++) {
      const copy = new Uint32Array(words);
      for (const at of tscAt) {
        const t = copy[at + 1] * 2 ** 32 + copy[at] + k * span;
        copy[at] = t % 2 ** 32;
        copy[at + 1] = Math.floor(t / 2 ** 32);
      }
      yield Buffer.from(copy.buffer);
    }
  };
}

export const GENERATORS = {
  /** xentrace binary: ../shared's real 10-window sample, repeated with TSCs shifted forward. */
  xentrace: async (dir, root) => {
    const path = join(dir, 'bench.xentrace.bin');
    if (existsSync(path) && statSync(path).size >= MIN_BYTES) return { path, origin: 'cached from an earlier run' };
    const sample = readFileSync(join(root, '..', 'shared', 'traces', 'xentrace', 'xentrace-parser-rs__examples_xentrace.first10windows.bin'));
    const out = createWriteStream(path);
    const write = (b) => new Promise((resolve) => (out.write(b) ? resolve() : out.once('drain', resolve)));
    let written = 0;
    for (const copy of xentraceCopies(sample)()) {
      if (written >= MIN_BYTES) break;
      await write(copy);
      written += copy.length;
    }
    await new Promise((resolve) => out.end(resolve));
    return { path, origin: '../shared xentrace sample (10 windows, 7 pCPUs) repeated with TSCs shifted forward' };
  },

  /** `perf script -g` text: a live capture, or the committed real capture when perf cannot record here. */
  'perf-script': async (dir, root) => {
    const path = join(dir, 'bench.perf-script.txt');
    if (existsSync(path) && statSync(path).size >= MIN_BYTES) return { path, origin: 'cached from an earlier run' };
    let body = capturePerfScript(dir);
    let origin = 'fresh `perf record -a -g -F 2000` of dd|sha256sum x4, repeated';
    if (body === null) {
      body = readFileSync(join(root, 'traces/perf-script/cpu-profile-g.perf.txt'));
      origin = 'traces/perf-script/cpu-profile-g.perf.txt repeated (perf could not record here)';
    }
    await repeatToSize(path, Buffer.alloc(0), body);
    return { path, origin };
  },
};
