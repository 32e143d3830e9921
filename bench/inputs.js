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
 * A synthetic xentrace capture that even xenalyze's strict state tracking accepts: 8 pCPUs, each
 * running its own dom0 (PV) and dom1 (HVM) vCPU between idle periods, with the record mix of the
 * shared real sample (credit2 scheduler records, runstate changes, switches, VMEXIT/VMENTRY with
 * handler records) plus PV hypercalls (grant copies, iret, event channels), physical IRQs and
 * wrap-buffer padding. Written the way xentrace writes: passes over the pCPUs in ascending order,
 * one window per pCPU with data. (Re-emitting the real sample breaks runstate continuity at every
 * copy, which makes xenalyze stop with a FATAL error.)
 */
function* xentraceSynthetic() {
  const PCPUS = 8;
  const IDLE = 0x7fff;
  let seed = 12345;
  const rand = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const tsc = Array.from({ length: PCPUS }, (_, p) => 50_000_000_000_000 + p * 977);
  const out = Array.from({ length: PCPUS }, () => []);
  // A window holds what was logged before the pass drained the buffer: records from `until` on
  // (with the TSC-less records that follow them) wait for the next pass.
  let until = 0;
  const cut = new Array(PCPUS).fill(-1);
  const rec = (p, id, words, withTsc = true) => {
    const o = out[p];
    if (withTsc) tsc[p] += 150 + rand(900);
    if (withTsc && tsc[p] >= until && cut[p] < 0) cut[p] = o.length;
    o.push((id | (words.length << 28) | (withTsc ? 0x80000000 : 0)) >>> 0);
    if (withTsc) o.push(tsc[p] % 2 ** 32, Math.floor(tsc[p] / 2 ** 32));
    for (const w of words) o.push(w >>> 0);
  };
  const dv = (d, v) => v | (d << 16);
  const sched = (p, d, v) => {
    rec(p, 0x22215, [p, 0x100]); // csched2:schedule
    rec(p, 0x22203, [dv(d, v), rand(1e7), 0, rand(5e4)]); // credit burn
    rec(p, 0x22214, [dv(d, v), p, rand(1e7)]); // runq_candidate
    rec(p, 0x22209, []); // update_load
    rec(p, 0x2220c, [rand(2 ** 30), 0, rand(2 ** 30), 0, 0x40000]); // updt_runq_load
  };
  const switchTo = (p, [pd, pv, from], [nd, nv]) => {
    rec(p, 0x2800e, [pd, pv, rand(1e6)]); // switch_infprev
    rec(p, 0x2800f, [nd, nv, rand(1e6), 10_000_000]); // switch_infnext
    rec(p, 0x2800a, [pd, pv, nd, nv]); // switch
    rec(p, 0x21001 | (from << 4), [dv(pd, pv)]); // prev: running -> from
    rec(p, 0x21101, [dv(nd, nv)]); // next: runnable -> running
  };
  const hvmRun = (p) => {
    rec(p, 0x81001, []); // VMENTRY
    for (let k = 4 + rand(24); k > 0; k--) {
      const r = rand(10);
      const [reason, handlers] = r < 4 ? [1, [[0x8200f, [0xfa]]]] : r < 6 ? [18, [[0x82012, [rand(2) ? 24 : 32]]]]
        : r < 8 ? [48, [[0x82021, [rand(2 ** 30), 0, rand(2 ** 20), 0, 0x181, 0]]]] : r < 9 ? [7, [[0x82004, [0xf3, 0]], [0x82020, [0xf3, 5, 0xf3]]]] : [30, [[0x82016, [0x3f8, rand(256)]]]];
      rec(p, 0x81102, [reason, rand(2 ** 31), 0xffffffff]); // VMEXIT64
      for (const [id, words] of handlers) rec(p, id, words, false);
      rec(p, 0x81001, []);
    }
    rec(p, 0x81102, [12, rand(2 ** 31), 0xffffffff]); // HLT exit: the vCPU blocks
    rec(p, 0x82013, [0], false);
  };
  const pvRun = (p) => {
    for (let k = 4 + rand(24); k > 0; k--) {
      const r = rand(10);
      const call = r < 3 ? [20 | (1 << 20) | (1 << 24), 5, 1 + rand(16)] : r < 6 ? [23] : r < 8 ? [32 | (1 << 20), 4] : r < 9 ? [26 | (1 << 22), 1 + rand(4)] : [29 | (1 << 20), 1];
      rec(p, 0x20100d, call); // PV_HYPERCALL_V2
      if (rand(8) === 0) rec(p, 0x802008, [16 + rand(8), tsc[p] % 2 ** 32, (tsc[p] + 400) % 2 ** 32]); // IRQ handled
    }
  };
  for (let p = 0; p < PCPUS; p++) rec(p, 0x21101, [dv(IDLE, p)]); // idle is running at the start
  for (let pass = 0; ; pass++) {
    until = 50_000_000_000_000 + (pass + 1) * 2_000_000;
    const windows = [];
    for (let p = 0; p < PCPUS; p++) {
      cut[p] = -1;
      while (tsc[p] < until) {
        const [d, v] = rand(2) ? [0, p] : [1, p];
        rec(p, 0x28004, [d, v]); // wake
        rec(p, 0x21211, [dv(d, v)]); // blocked -> runnable
        sched(p, IDLE, p);
        switchTo(p, [IDLE, p, 1], [d, v]);
        if (d === 1) hvmRun(p);
        else pvRun(p);
        rec(p, 0x28006, [d, v]); // block
        sched(p, d, v);
        switchTo(p, [d, v, 2], [IDLE, p]);
        if (rand(64) === 0) rec(p, 0x1f002, [0xdeadbeef, 0x2001f003, 0xdeadbeef], false); // wrap padding
      }
      const end = cut[p] < 0 ? out[p].length : cut[p];
      const body = new Uint32Array(out[p].slice(0, end));
      out[p] = out[p].slice(end);
      windows.push(Buffer.from(new Uint32Array([0x2001f003, p, body.length * 4]).buffer), Buffer.from(body.buffer));
    }
    yield Buffer.concat(windows);
  }
}

/**
 * The real tracefs capture (traces/ftrace/events.trace.txt: irq, sched, tlb, raw_syscalls,
 * lock, net, napi, skb) repeated to size, each copy's timestamps shifted past the previous
 * copy so time keeps increasing per CPU as in one long capture.
 */
async function ftraceRepeated(path, root) {
  const text = readFileSync(join(root, 'traces/ftrace/events.trace.txt'), 'latin1');
  const lines = text.split('\n');
  const header = lines.filter((l) => l.startsWith('#')).join('\n') + '\n';
  const body = lines.filter((l) => l.length > 0 && !l.startsWith('#'));
  const stamp = /(\s)(\d+)\.(\d{6}):/;
  const micros = body.map((l) => {
    const m = stamp.exec(l);
    return m === null ? -1 : Number(m[2]) * 1e6 + Number(m[3]);
  });
  const valid = micros.filter((t) => t >= 0);
  const span = Math.max(...valid) - Math.min(...valid) + 1000;
  const out = createWriteStream(path);
  const write = (b) => new Promise((resolve) => (out.write(b) ? resolve() : out.once('drain', resolve)));
  await write(header);
  for (let copy = 0, written = header.length; written < MIN_BYTES; copy++) {
    const shifted = body.map((l, i) => {
      if (micros[i] < 0) return l;
      const t = micros[i] + copy * span;
      return l.replace(stamp, (_m, sp) => `${sp}${Math.floor(t / 1e6)}.${String(t % 1e6).padStart(6, '0')}:`);
    });
    const chunk = Buffer.from(shifted.join('\n') + '\n', 'latin1');
    await write(chunk);
    written += chunk.length;
  }
  await new Promise((resolve) => out.end(resolve));
}

export const GENERATORS = {
  /** ftrace text: the committed real tracefs capture, repeated with time shifted forward. */
  ftrace: async (dir, root) => {
    const path = join(dir, 'bench.ftrace.txt');
    if (existsSync(path) && statSync(path).size >= MIN_BYTES) return { path, origin: 'cached from an earlier run' };
    await ftraceRepeated(path, root);
    return { path, origin: 'traces/ftrace/events.trace.txt repeated, timestamps shifted per copy' };
  },
  /** xentrace binary: a synthetic, scheduler-consistent capture (see xentraceSynthetic). */
  xentrace: async (dir) => {
    const path = join(dir, 'bench.xentrace.bin');
    if (existsSync(path) && statSync(path).size >= MIN_BYTES) return { path, origin: 'cached from an earlier run' };
    const out = createWriteStream(path);
    const write = (b) => new Promise((resolve) => (out.write(b) ? resolve() : out.once('drain', resolve)));
    let written = 0;
    for (const pass of xentraceSynthetic()) {
      if (written >= MIN_BYTES) break;
      await write(pass);
      written += pass.length;
    }
    await new Promise((resolve) => out.end(resolve));
    return { path, origin: 'synthetic: 8 pCPUs, dom0 PV + dom1 HVM vCPUs under credit2, the real sample\'s record mix' };
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
