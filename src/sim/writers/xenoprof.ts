import type { VCpu } from '../cpu.js';
import { unhaltedSamples } from '../sampling.js';
import type { SimRun } from '../simulate.js';
import { STACKS } from '../stacks.js';
import type { WriteResult, Writer } from './result.js';
import { FileSink } from './sink.js';
import { frameName } from './symbols.js';

/** Where a sample's frame lands in a xenoprof report: image and symbol (FORMATS.md §4.7). */
export interface ProfileKey {
  image: string;
  symbol: string;
}

/** Xenoprof's image for a frame: dom0 (active) resolves the hypervisor and its kernel; passive domains get pseudo images. */
export function imageOf(run: SimRun, domain: number, frame: string): ProfileKey {
  const space = frame[0];
  const xen = `xen-syms-${run.scenario.host.xenVersion}`;
  if (domain === 0) return { image: space === 'x' ? xen : space === 'k' ? 'vmlinux' : 'dom0-apps', symbol: frameName(frame) };
  if (space === 'x') return { image: `domain${domain}-xen`, symbol: frameName(frame) };
  return { image: `domain${domain}-${space === 'k' ? 'kernel' : 'apps'}`, symbol: '(no symbols)' };
}

interface Node {
  key: ProfileKey;
  self: number;
  callers: Map<string, number>;
  callees: Map<string, number>;
}

/** Count every pCPU's CPU_CLK_UNHALTED samples by image/symbol, with caller→callee arcs inside an image. */
export function profile(run: SimRun): { nodes: Map<string, Node>; total: number } {
  const nodes = new Map<string, Node>();
  const node = (k: ProfileKey) => {
    const id = `${k.image}\u0000${k.symbol}`;
    let n = nodes.get(id);
    if (n === undefined) {
      n = { key: k, self: 0, callers: new Map(), callees: new Map() };
      nodes.set(id, n);
    }
    return { id, n };
  };
  let total = 0;
  const { count } = run.scenario.xenoprof;
  for (const cpu of run.cpus as VCpu[]) {
    for (const [stack, w] of unhaltedSamples(run, cpu, count, run.scenario.host.cpuMhz)) {
      total += w;
      const frames = STACKS[stack].frames;
      const keys = frames.map((f) => imageOf(run, cpu.domain, f));
      node(keys[0]).n.self += w;
      for (let i = 0; i + 1 < keys.length && keys[i + 1].image === keys[0].image && keys[i].symbol !== '(no symbols)'; i++) {
        const callee = node(keys[i]);
        const caller = node(keys[i + 1]);
        callee.n.callers.set(caller.id, (callee.n.callers.get(caller.id) ?? 0) + w);
        caller.n.callees.set(callee.id, (caller.n.callees.get(callee.id) ?? 0) + w);
      }
    }
  }
  return { nodes, total };
}

const col = (s: string, w: number) => (s.length >= w ? `${s} ` : s.padEnd(w));

/** OProfile's percentage: %.4f, exponent form for tiny values, a bare 0 for none. */
function percent(v: number, of: number): string {
  if (v === 0 || of === 0) return '0';
  const p = (v * 100) / of;
  return p < 0.0001 ? p.toExponential(1).replace(/e([+-])(\d)$/, 'e$10$2') : p.toFixed(4);
}

function row(samples: number, pct: string, k: ProfileKey, suffix = ''): string {
  return `${col(String(samples), 9)}${col(pct.padStart(7), 9)}${col(k.image, 25)}${col(k.image, 25)}${k.symbol}${suffix}\n`;
}

/**
 * `opreport -l` (flat) or `opreport -c` (callgraph) of a xenoprof session on the host: the
 * `CPU:` and `Counted CPU_CLK_UNHALTED` header, then rows `samples % image app symbol` for the
 * hypervisor image, dom0's vmlinux and the passive domains' domainN-* images (FORMATS.md §4).
 */
export const xenoprofWriter: Writer = {
  id: 'xenoprof',
  write(run, path) {
    const s = run.scenario;
    const { nodes, total } = profile(run);
    const byKey = (a: Node, b: Node) => b.self - a.self || a.key.image.localeCompare(b.key.image) || a.key.symbol.localeCompare(b.key.symbol);
    const list = [...nodes.values()].sort(byKey);
    const sink = new FileSink(path);
    sink.text(`CPU: ${s.host.cpuName}, speed ${s.host.cpuMhz} MHz (estimated)\n`);
    sink.text(`Counted CPU_CLK_UNHALTED events (Clock cycles when not halted) with a unit mask of 0x00 (No unit mask) count ${s.xenoprof.count}\n`);
    sink.text('samples  %        image name               app name                 symbol name\n');
    let rows = 0;
    if (s.xenoprof.report === 'flat') {
      for (const n of list) {
        if (n.self === 0) continue;
        sink.text(row(n.self, percent(n.self, total), n.key));
        rows++;
      }
    } else {
      const arcs = (m: Map<string, number>) =>
        [...m].map(([id, c]) => ({ n: nodes.get(id) as Node, c })).sort((a, b) => b.c - a.c || byKey(a.n, b.n));
      for (const n of list) {
        const callers = arcs(n.callers);
        const callerTotal = callers.reduce((x, a) => x + a.c, 0);
        for (const a of callers) sink.text(`  ${row(a.c, percent(a.c, callerTotal), a.n.key)}`);
        sink.text(row(n.self, percent(n.self, total), n.key));
        // The [self] row is always there (0 when every sample is in callees), as opreport prints it.
        const callees = [{ n, c: n.self, self: true }, ...arcs(n.callees).map((a) => ({ ...a, self: false }))].sort((a, b) => b.c - a.c);
        const calleeTotal = callees.reduce((x, a) => x + a.c, 0);
        for (const a of callees) sink.text(`  ${row(a.c, percent(a.c, calleeTotal), a.n.key, a.self ? ' [self]' : '')}`);
        sink.text(`${'-'.repeat(79)}\n`);
        if (n.self > 0) rows++; // a reader's samples: one per symbol with self samples
      }
    }
    sink.close();
    return {
      format: 'xenoprof',
      path,
      bytes: sink.bytes,
      records: rows,
      byKind: { sample: rows },
      firstNs: NaN,
      lastNs: NaN,
      meta: { report: s.xenoprof.report, total_samples: total, count: s.xenoprof.count },
    } satisfies WriteResult;
  },
};
