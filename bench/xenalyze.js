// The yardstick for xentrace throughput (issue 4): Xen's own `xenalyze -s` on the same file,
// timed the same way, so `npm run bench` prints the ratio from one run. xenalyze ships in
// Debian's xen-utils-common package; when it is not installed it is fetched with `apt-get download`
// and unpacked under bench/out/xen (nothing is installed system-wide).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Path of a runnable xenalyze, or null with the reason. */
export function findXenalyze(outDir) {
  const candidates = [process.env.XENALYZE, 'xenalyze', '/usr/lib/xen/bin/xenalyze', join(outDir, 'xen', 'usr', 'bin', 'xenalyze')];
  for (const c of candidates) if (c && runs(c)) return { path: c };
  const fetched = fetchFromDebian(join(outDir, 'xen'));
  return fetched.error === undefined && runs(fetched.path) ? fetched : { path: null, reason: fetched.error ?? 'fetched xenalyze does not run' };
}

function runs(path) {
  const r = spawnSync(path, ['--help'], { stdio: 'ignore' });
  return r.error === undefined;
}

function fetchFromDebian(dir) {
  mkdirSync(dir, { recursive: true });
  const pkg = 'xen-utils-common';
  const dl = spawnSync('apt-get', ['download', pkg], { cwd: dir, encoding: 'utf8' });
  const deb = readdirSync(dir).find((f) => f.startsWith(pkg) && f.endsWith('.deb'));
  if (dl.status !== 0 || deb === undefined) return { error: `apt-get download ${pkg} failed: ${(dl.stderr ?? '').trim().slice(0, 200)}` };
  const x = spawnSync('dpkg', ['-x', deb, '.'], { cwd: dir, encoding: 'utf8' });
  if (x.status !== 0) return { error: `dpkg -x ${deb} failed` };
  const path = ['usr/bin/xenalyze', 'usr/lib/xen/bin/xenalyze'].map((p) => join(dir, p)).find(existsSync);
  return path === undefined ? { error: `${deb} has no xenalyze` } : { path };
}

/** Whole-process wall seconds of `xenalyze -s FILE`, output discarded, median of `runs`. */
export function timeXenalyze(xenalyze, file, pinned, runs = 3) {
  const walls = [];
  for (let i = 0; i < runs; i++) {
    const argv = [xenalyze, '-s', file];
    const [cmd, ...rest] = pinned ? ['taskset', '-c', '0', ...argv] : argv;
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, rest, { stdio: 'ignore' });
    walls.push(Number(process.hrtime.bigint() - t) / 1e9);
    if (r.status !== 0) throw new Error(`xenalyze -s ${file} exited ${r.status}`);
  }
  return walls.sort((a, b) => a - b)[Math.floor(runs / 2)];
}
