import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI, ownTrace, sharedTrace } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tracelens-cli-'));

function run(args: string[], input?: Buffer | string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function withoutPaths(json: string) {
  const doc = JSON.parse(json);
  for (const input of doc.inputs) delete input.path;
  return doc;
}

describe('tracelens analyze', () => {
  const sample = sharedTrace('perf-script', 'flamegraph__perf-numa-stacks-01.txt');

  it('prints a summary: format, kinds, CPUs, span, top functions and stacks, diagnostics', () => {
    const r = run(['analyze', sample]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Findings: none/);
    expect(r.stdout).toContain('format       perf-script');
    expect(r.stdout).toContain('CPUs         32 (stated by the trace)');
    expect(r.stdout).toContain('events       200 (200 profile samples)');
    expect(r.stdout).toMatch(/45\.0% +45\.0% +xen_hypercall_event_channel_op/);
    expect(r.stdout).toContain('xen_hypercall_event_channel_op ← xen_send_IPI_one');
    expect(r.stdout).toContain('Diagnostics: none');
  });

  it('--json writes the findings document; same input twice gives identical bytes', () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    expect(run(['analyze', sample, '--json', a, '-q']).code).toBe(0);
    expect(run(['analyze', sample, '--json', b, '-q']).code).toBe(0);
    expect(readFileSync(a)).toEqual(readFileSync(b));
    const doc = JSON.parse(readFileSync(a, 'utf8'));
    expect(doc.schema).toBe('tracelens.findings/v1');
    expect(doc.tool).toEqual({ name: 'tracelens', version: '0.1.0' });
    expect(doc.findings).toEqual([]);
    expect(doc.inputs[0]).toMatchObject({ format: 'perf-script', events: 200, samples: 200, cpus: 32, by_kind: { sample: 200 }, diagnostics: [] });
    expect(Object.values(doc.inputs[0].per_cpu).reduce((x: number, y) => x + (y as number), 0)).toBe(200);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]); // atomic write left no temp file
  });

  it('.gz and stdin give the same JSON as the plain file', () => {
    const plain = run(['analyze', sample, '--json', '-']).stdout;
    const gz = join(dir, 'numa.txt.gz');
    writeFileSync(gz, gzipSync(readFileSync(sample)));
    expect(withoutPaths(run(['analyze', gz, '--json', '-']).stdout)).toEqual(withoutPaths(plain));
    expect(withoutPaths(run(['analyze', '-', '--json', '-'], readFileSync(sample)).stdout)).toEqual(withoutPaths(plain));
  });

  it('several inputs give one inputs[] entry each, in argument order', () => {
    const other = ownTrace('perf-script', 'tracepoints.perf.txt');
    const doc = JSON.parse(run(['analyze', sample, other, '--json', '-']).stdout);
    expect(doc.inputs.map((i: { path: string }) => i.path)).toEqual([sample, other]);
    expect(doc.inputs[1].by_kind).toMatchObject({ irq_entry: 36, tlb_flush: 1100, syscall_enter: 2842 });
  });

  it('exit 2 with a clear message for unreadable or unrecognisable input and usage errors', () => {
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'not a trace\n');
    const r = run(['analyze', junk]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/junk\.txt: not a recognised trace \(tried: perf-script/);
    expect(run(['analyze', join(dir, 'nope.txt')]).code).toBe(2);
    expect(run(['analyze']).code).toBe(2);
    expect(run(['analyze', sample, '--fail-on', 'sometimes']).code).toBe(2);
    expect(run(['frobnicate']).code).toBe(2);
  });

  it('--strict turns a malformed line into exit 2 naming file and line; without it, exit 0 and a diagnostic', () => {
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, `${readFileSync(sample, 'utf8')}\nthis line is garbage\n`);
    const lenient = run(['analyze', bad, '--json', '-']);
    expect(lenient.code).toBe(0);
    const diag = JSON.parse(lenient.stdout).inputs[0].diagnostics;
    expect(diag).toEqual([
      expect.objectContaining({ code: 'perf-script/bad-line', severity: 'warning', count: 1, first: expect.objectContaining({ excerpt: 'this line is garbage' }) }),
    ]);
    const strict = run(['analyze', bad, '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(new RegExp(`bad\\.txt:${diag[0].first.line}: .*perf-script/bad-line`));
  });

  it('--help and --version exit 0', () => {
    expect(run(['--help']).code).toBe(0);
    expect(run(['--version']).stdout.trim()).toBe('0.1.0');
  });
});
