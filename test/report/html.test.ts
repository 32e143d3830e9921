import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { plotlyBundle } from '../../src/report/html/bundle.js';
import { jsonForScript, plotText } from '../../src/report/html/escape.js';
import { CLI, sharedTrace } from '../helpers.js';
import { XSS, renderModel, xssModel } from './html-fixtures.js';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The page without the inlined plotly bundle: everything tracelens itself wrote. */
function page(html: string): string {
  const bundle = `<script>${plotlyBundle()}</script>`;
  expect(html).toContain(bundle);
  return html.replace(bundle, '');
}

/** The page's JSON data island, parsed back. */
function dataOf(html: string) {
  const m = /<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]);
}

describe('html escaping helpers', () => {
  it('jsonForScript keeps </script>, <!-- and line separators out of the script element, and round-trips', () => {
    const value = { s: '</script><script>alert(1)</script> <!-- & \u2028\u2029 >' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('plotText entity-escapes markup for plotly labels', () => {
    expect(plotText('<b>&"x"</b>')).toBe('&lt;b&gt;&amp;"x"&lt;/b&gt;');
  });
});

describe('--html report', () => {
  let html: string;
  beforeAll(async () => {
    html = renderModel(await xssModel());
  });

  it('carries no trace string as markup: three script elements, no injected tags, payloads only escaped', () => {
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    for (const s of Object.values(XSS)) expect(html).not.toContain(s);
    // Literal tags only: inside the data island `<` is \u003c, so `onerror=` there is inert text.
    expect(page(html)).not.toMatch(/<(img|svg)\b/i);
    expect(page(html).replace(/<script type="application\/json" id="data">[\s\S]*?<\/script>/, '')).not.toMatch(/onerror|onload|__pwned/);
    const data = dataOf(html);
    // The strings are all there, as data: the task in the findings, the IRQ and symbol in the charts.
    const text = JSON.stringify(data);
    expect(text).toContain(JSON.stringify(XSS.irq).slice(1, -1));
    expect(text).toContain(plotText(XSS.irq).replace(/"/g, '\\"'));
    expect(text).toContain(plotText(XSS.symbol));
    expect(text).toContain(plotText(XSS.lock));
  });

  it('draws every chart family the trace has a signal for; the others say what is missing', () => {
    const charts = dataOf(html).inputs[0].charts as { id: string; note?: string; data?: unknown[] }[];
    const drawn = charts.filter((c) => c.data !== undefined).map((c) => c.id);
    expect(drawn).toEqual(['in0-irq-heatmap', 'in0-irq-share', 'in0-locks', 'in0-flame']);
    expect(charts.find((c) => c.id === 'in0-syscall-tlb')?.note).toMatch(/No syscall/);
    expect(charts.find((c) => c.id === 'in0-queue')?.note).toMatch(/No queue events/);
  });

  it('has a strict CSP and no network reference outside the plotly bundle', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:;`);
    // The bundle is the package file verbatim (its licence comments name URLs; it fetches nothing
    // with the config the page passes, and the CSP would block it if it tried).
    expect(html).toContain(`<script>${plotlyBundle()}</script>`);
    const rest = page(html);
    expect(rest.length).toBeLessThan(html.length - 1_000_000);
    expect(rest.replace(/<script type="application\/json" id="data">[\s\S]*?<\/script>/, '')).not.toMatch(/\b(src|href)\s*=/i);
    // In the bundle, the one link is the modebar's plotly logo, which the page turns off (displaylogo: false).
    expect([...plotlyBundle().matchAll(/\b(src|href)\s*=\s*["']?\s*(https?:|\/\/)[^"']*/gi)].map((m) => m[0])).toEqual(['href="https://plotly.com/']);
    expect(rest).toContain('displaylogo: false');
    expect(rest).not.toMatch(/<(link|iframe|object|embed|img|base)\b/i);
    expect(rest).not.toMatch(/https?:\/\//);
  });

  it('is deterministic: same input, same bytes', async () => {
    expect(renderModel(await xssModel())).toBe(html);
  });
});

describe('tracelens analyze --html', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracelens-html-'));

  it('writes a report under 2 MB for a mixed simulator run, byte-identical on a second run', () => {
    const trace = join(dir, 'mixed.txt');
    expect(cli(['simulate', '--scenario', 'mixed', '--format', 'perf-script', '--out', trace]).code).toBe(0);
    const a = join(dir, 'a.html');
    const b = join(dir, 'b.html');
    const r = cli(['analyze', trace, '-q', '--html', a]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(cli(['analyze', trace, '-q', '--html', b]).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(statSync(a).size).toBeLessThan(2_000_000);
    const charts = dataOf(readFileSync(a, 'utf8')).inputs[0].charts as { id: string; data?: unknown[] }[];
    expect(charts.filter((c) => c.data !== undefined).map((c) => c.id)).toEqual(expect.arrayContaining(['in0-irq-heatmap', 'in0-irq-share', 'in0-syscall-tlb', 'in0-flame', 'in0-queue-0']));
  });

  it('keeps real traces small (every shared perf-script sample, one report) and caps every series', () => {
    const traces = ['flamegraph__perf-vertx-stacks-01.slice.txt', 'flamegraph__perf-iperf-stacks-pidtid-01.txt', 'speedscope__system-wide.linux-perf.txt'].map((f) => sharedTrace('perf-script', f));
    const out = join(dir, 'real.html');
    const r = cli(['analyze', ...traces, '-q', '--html', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).size).toBeLessThan(5_000_000);
    const data = dataOf(readFileSync(out, 'utf8'));
    expect(data.inputs).toHaveLength(3);
    for (const input of data.inputs) {
      expect(input.charts.find((c: { id: string }) => c.id.endsWith('-flame')).data).toBeDefined();
      for (const c of input.charts) for (const t of c.data ?? []) for (const k of ['x', 'y']) expect((t[k] ?? []).length).toBeLessThanOrEqual(2000);
    }
  });

  it('--ring-size / --queues fill the what-if table, one row per TX queue; without --html they are a usage error', () => {
    const trace = join(dir, 'ring-full.txt');
    expect(cli(['simulate', '--scenario', 'ring-full', '--format', 'ftrace', '--duration-ms', '40', '--out', trace]).code).toBe(0);
    const whatIf = (args: string[]) => {
      const out = join(dir, 'whatif.html');
      const r = cli(['analyze', trace, '-q', '--html', out, ...args]);
      expect(r.code, r.stderr).toBe(0);
      return dataOf(readFileSync(out, 'utf8')).inputs[0].tables.find((t: { id: string }) => t.id === 'in0-whatif').rows as string[][];
    };
    // ring-full stalls both queues most of the time at 64 slots; 256 slots must predict less.
    const ring = whatIf(['--ring-size', '256']);
    expect(ring.map((row) => row[0])).toEqual(['eth0-q0', 'eth0-q1']);
    for (const row of ring) {
      expect(row[1]).toMatch(/ring 64 → 256 slots/);
      const [before, after] = row[2].split(' → ').map((x) => parseFloat(x));
      expect(after, row[0]).toBeLessThan(before);
    }
    expect(whatIf(['--queues', '4']).map((row) => row[0])).toEqual(['eth0-q0', 'eth0-q1', 'eth0-q2', 'eth0-q3']);
    const bare = cli(['analyze', trace, '-q', '--ring-size', '256']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--ring-size.*--html/);
  });

  it('draws the xentrace summary as tables that agree with the JSON details', () => {
    const trace = sharedTrace('xentrace', 'xentrace-parser-rs__examples_xentrace.first10windows.bin');
    const r = cli(['analyze', trace, '--html', '-', '--json', join(dir, 'xen.json')]);
    expect(r.code).toBe(0);
    const xen = JSON.parse(readFileSync(join(dir, 'xen.json'), 'utf8')).inputs[0].details.xen;
    const [block] = dataOf(r.stdout).inputs[0].sections;
    expect(block.heading).toMatch(/^Xen: xentrace binary, little-endian · TSC 2.4 GHz \(assumed/);
    const table = (title: string) => block.tables.find((t: { title: string }) => t.title.startsWith(title));
    // The README's per-pCPU counts of this slice, less the two wrap-buffer padding records.
    expect(table('Per pCPU').rows.map((row: number[]) => row.slice(0, 2))).toEqual([[0, 3701], [1, 500], [2, 1495], [3, 183], [4, 172], [5, 4494], [6, 2979]]);
    for (const row of table('Per pCPU').rows) expect(row.slice(1)).toEqual(Object.values(xen.per_pcpu[row[0]]));
    expect(table('VMEXITs by reason').rows.map((row: unknown[]) => [row[1], row[2]])).toEqual(xen.vmexits.map((x: { reason: number; count: number }) => [x.reason, x.count]));
    expect(table('Per domain/vCPU').rows.map((row: unknown[]) => row[0])).toEqual(Object.keys(xen.per_vcpu));
  });

  it('--html - writes the page to stdout instead of the text summary', () => {
    const trace = sharedTrace('perf-script', 'speedscope__one-sample.linux-perf.txt');
    const r = cli(['analyze', trace, '--html', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(r.stdout.endsWith('</html>\n')).toBe(true);
  });
});
