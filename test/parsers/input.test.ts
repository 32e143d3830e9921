import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { TraceModel } from '../../src/model/trace-model.js';
import { InputError, UnrecognisedInputError, loadTrace } from '../../src/parsers/index.js';
import { summarizeInput } from '../../src/report/input-summary.js';
import { ROOT, ownTrace, sharedTrace } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tracelens-input-'));

/** Everything observable about a model, for equality between ways of reading one file. */
function fingerprint(m: TraceModel) {
  const { path: _path, ...summary } = summarizeInput(m, '');
  return {
    summary,
    strings: m.strings,
    events: Object.fromEntries(Object.entries(m.events).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)])),
    samples: Object.fromEntries(Object.entries(m.samples).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)])),
    stacks: Array.from(m.stacks.parent),
    frames: Array.from(m.frames.func),
    threads: m.threads,
  };
}

describe('input: chunks, gzip, stdin, errors', () => {
  const sample = sharedTrace('perf-script', 'flamegraph__perf-iperf-stacks-pidtid-01.txt');

  it('a tiny chunk size gives the same model (lines cut across chunks)', async () => {
    const whole = await loadTrace(sample);
    for (const chunkBytes of [7, 4093]) {
      expect(fingerprint(await loadTrace(sample, { chunkBytes }))).toEqual(fingerprint(whole));
    }
  });

  it('a tracepoint capture is also chunk-size independent', async () => {
    const p = ownTrace('perf-script', 'tracepoints.perf.txt');
    expect(fingerprint(await loadTrace(p, { chunkBytes: 61 }))).toEqual(fingerprint(await loadTrace(p)));
  });

  it('.gz is read transparently (by magic, whatever the name)', async () => {
    const gz = join(dir, 'sample.data');
    writeFileSync(gz, gzipSync(readFileSync(sample)));
    const model = await loadTrace(gz);
    expect(fingerprint(model)).toEqual(fingerprint(await loadTrace(sample)));
    expect(model.meta.sourceBytes).toBe(readFileSync(sample).length);
  });

  it('stdin (-) reads the stream given', async () => {
    const model = await loadTrace('-', { stdin: createReadStream(sample) });
    expect(fingerprint(model)).toEqual(fingerprint(await loadTrace(sample)));
  });

  it('a truncated .gz yields what was readable plus a data-loss warning', async () => {
    const gzBytes = gzipSync(readFileSync(sample));
    const cut = join(dir, 'cut.txt.gz');
    writeFileSync(cut, gzBytes.subarray(0, Math.floor(gzBytes.length * 0.6)));
    const model = await loadTrace(cut);
    expect(model.sampleCount).toBeGreaterThan(10);
    expect(model.sampleCount).toBeLessThan(201);
    expect(model.diagnostics.map((d) => d.code)).toContain('input/truncated');
  });

  it('unrecognisable input names the formats tried; missing files and directories are input errors', async () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, 'hello world\nthis is not a trace\n');
    const err = await loadTrace(junk).catch((e) => e);
    expect(err).toBeInstanceOf(UnrecognisedInputError);
    expect(err.message).toMatch(/tried: perf-script/);
    await expect(loadTrace(join(dir, 'missing.txt'))).rejects.toThrow(/cannot open: ENOENT/);
    await expect(loadTrace(dir)).rejects.toThrow(/is a directory/);
    writeFileSync(join(dir, 'empty.txt'), '');
    await expect(loadTrace(join(dir, 'empty.txt'))).rejects.toBeInstanceOf(InputError);
    await expect(loadTrace(junk, { format: 'nope' })).rejects.toThrow(/unknown format "nope"/);
  });

  it('--format forces a parser: junk then shows up as located diagnostics', async () => {
    const junk = join(dir, 'junk2.txt');
    writeFileSync(junk, 'hello world\n');
    const model = await loadTrace(junk, { format: 'perf-script' });
    expect(model.diagnostics[0]).toMatchObject({ code: 'perf-script/bad-line', first: { line: 1 } });
  });

  const hasPerf = spawnSync('perf', ['--version']).status === 0;
  it.runIf(hasPerf)('a binary perf.data is run through `perf script`', async () => {
    const model = await loadTrace(ownTrace('perf-script', 'small.perf.data'));
    const text = await loadTrace(ownTrace('perf-script', 'small.perf-script.txt'));
    expect(model.meta.header['converted by']).toMatch(/^perf script -i /);
    expect(model.eventCount).toBe(363);
    expect(summarizeInput(model, '').by_kind).toEqual(summarizeInput(text, '').by_kind);
  });

  it('a perf.data that perf stops on keeps what perf printed, with a warning; one it prints nothing of is an input error', () => {
    // A stand-in `perf` (first on PATH) that prints the committed capture's first records and
    // then fails as perf does on a damaged file, or fails at once.
    const bin = mkdtempSync(join(tmpdir(), 'tracelens-fakeperf-'));
    const text = readFileSync(ownTrace('perf-script', 'small.perf-script.txt'), 'utf8').split('\n');
    const cut = text.findIndex((l, i) => i > 40 && l === '') + 1; // whole records only
    writeFileSync(join(bin, 'head.txt'), text.slice(0, cut).join('\n'));
    const fake = (body: string) => writeFileSync(join(bin, 'perf'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    const load = () =>
      execFileSync(process.execPath, ['-e', `
        process.env.PATH = '${bin}:' + process.env.PATH;
        import('${join(ROOT, 'dist/parsers/index.js')}').then(({ loadTrace }) =>
          loadTrace('${ownTrace('perf-script', 'small.perf.data')}').then(
            (m) => console.log(JSON.stringify({ events: m.eventCount, diagnostics: m.diagnostics })),
            (e) => console.log(JSON.stringify({ error: e.name + ': ' + e.message }))));
      `]).toString();
    fake(`cat '${join(bin, 'head.txt')}'; echo "Can't parse sample, err = -14" >&2; exit 242`);
    const partial = JSON.parse(load());
    expect(partial.events).toBeGreaterThan(0);
    expect(partial.diagnostics).toEqual([
      expect.objectContaining({ code: 'input/converter-failed', severity: 'warning', message: expect.stringMatching(/failed \(exit 242\): Can't parse sample, err = -14; kept the records/) }),
    ]);
    fake(`echo 'incompatible file format' >&2; exit 255`);
    expect(JSON.parse(load()).error).toMatch(/^InputError: .*small\.perf\.data: `perf script -i .*` failed \(exit 255\): incompatible file format/);
  });

  it('without perf on PATH, a perf.data gets a clear error', async () => {
    // A child process with an empty PATH stands in for a machine without perf.
    const out = execFileSync(process.execPath, ['-e', `
      process.env.PATH = '';
      import('${join(ROOT, 'dist/parsers/index.js')}').then(({ loadTrace }) =>
        loadTrace('${ownTrace('perf-script', 'small.perf.data')}').then(() => console.log('parsed'), (e) => console.log(e.message)));
    `]).toString();
    expect(out).toMatch(/binary perf\.data file and `perf` is not on PATH: install perf/);
  });
});
