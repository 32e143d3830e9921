import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, sharedTrace } from '../helpers.js';
import { renderModel, xssModel } from './html-fixtures.js';

/**
 * The reports opened in a real browser (Debian's chromium, installed by .ci/run): no console
 * errors, no request but the file itself, every chart drawn, hostile names inert, a screenshot
 * that is not blank. Skipped where chromium is not installed.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const dir = mkdtempSync(join(tmpdir(), 'tracelens-html-browser-'));

function cli(args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
  expect(r.status, r.stderr.toString()).toBe(0);
}

interface Opened {
  errors: string[];
  requests: string[];
  charts: { id: string; drawn: boolean }[];
  png: Buffer;
}

describe.runIf(existsSync(CHROMIUM))('the HTML report in headless chromium', () => {
  let context: BrowserContext;

  beforeAll(async () => {
    context = await chromium.launchPersistentContext(mkdtempSync(join(dir, 'profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
  });

  async function open(file: string, shot: string): Promise<Opened> {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    // Plotly draws asynchronously: wait until every chart div has its SVG (or time out and report).
    await page.waitForFunction(() => [...document.querySelectorAll('div.chart')].every((d) => d.querySelector('.main-svg') !== null), null, { timeout: 20_000 }).catch(() => undefined);
    const charts = await page.evaluate(() => [...document.querySelectorAll('div.chart')].map((d) => ({ id: d.id, drawn: d.querySelector('.main-svg') !== null })));
    const png = await page.screenshot({ path: join(dir, shot), fullPage: false });
    await page.close();
    return { errors, requests, charts, png };
  }

  function expectClean(o: Opened, file: string, minCharts: number): void {
    expect(o.errors).toEqual([]);
    expect(o.requests).toEqual([`file://${file}`]);
    expect(o.charts.length).toBeGreaterThanOrEqual(minCharts);
    expect(o.charts.filter((c) => !c.drawn)).toEqual([]);
    // A real PNG of the viewport, and not blank: a blank page compresses to a few kB.
    expect(o.png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(o.png.readUInt32BE(16)).toBe(1280);
    expect(o.png.readUInt32BE(20)).toBe(900);
    expect(o.png.length).toBeGreaterThan(20_000);
  }

  it('a mixed simulator run: every chart drawn, no errors, no requests', async () => {
    const trace = join(dir, 'mixed.txt');
    const html = join(dir, 'mixed.html');
    cli(['simulate', '--scenario', 'mixed', '--format', 'perf-script', '--out', trace]);
    cli(['analyze', trace, '-q', '--html', html]);
    expectClean(await open(html, 'mixed.png'), html, 8);
  }, 60_000);

  it('real traces (three shared perf script captures in one report)', async () => {
    const html = join(dir, 'real.html');
    const traces = ['flamegraph__perf-iperf-stacks-pidtid-01.txt', 'speedscope__system-wide.linux-perf.txt', 'flamegraph__perf-vertx-stacks-01.slice.txt'];
    cli(['analyze', ...traces.map((f) => sharedTrace('perf-script', f)), '-q', '--html', html]);
    expectClean(await open(html, 'real.png'), html, 3);
  }, 60_000);

  it('hostile task, IRQ, symbol and lock names are shown as text and never run', async () => {
    const html = join(dir, 'xss.html');
    writeFileSync(html, renderModel(await xssModel()));
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${html}`, { waitUntil: 'load' });
    await page.waitForFunction(() => [...document.querySelectorAll('div.chart')].every((d) => d.querySelector('.main-svg') !== null), null, { timeout: 20_000 });
    // Let any handler that was going to fire (onerror of a broken image, onload of an svg) fire.
    await page.waitForTimeout(300);
    const seen = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      injected: document.querySelectorAll('img, [onerror], [onload]').length,
      scripts: document.querySelectorAll('script').length,
      text: document.body.innerText,
      svgText: [...document.querySelectorAll('.main-svg text')].map((t) => t.textContent).join('\n'),
      external: [...document.querySelectorAll('[src], [href]')].map((n) => n.getAttribute('src') ?? n.getAttribute('href')).filter((u) => /^(https?:)?\/\//.test(u ?? '')),
    }));
    await page.screenshot({ path: join(dir, 'xss.png') });
    await page.close();
    expect(seen.pwned).toBeUndefined();
    // The three script elements the page ships (data, plotly, page script), and no injected element.
    expect(seen.scripts).toBe(3);
    expect(seen.injected).toBe(0);
    expect(seen.external).toEqual([]);
    // The names are there, as characters: in the findings text and in the charts' labels.
    expect(seen.text).toContain('"><img/src=x/onerror=window.__pwned=2>');
    expect(seen.text).toContain('</script><img/src=x/onerror=window.__pwned=3>');
    expect(seen.svgText).toContain('<svg/onload=window.__pwned=4>');
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${html}`]);
    expect(readFileSync(html, 'utf8')).not.toContain('<img/src');
  }, 60_000);
});
