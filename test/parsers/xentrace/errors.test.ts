import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../../src/model/integrity.js';
import type { TraceModel } from '../../../src/model/trace-model.js';
import { InputError, UnrecognisedInputError, loadTrace } from '../../../src/parsers/index.js';
import { xentraceFormat } from '../../../src/parsers/xentrace/index.js';
import { SAMPLE, bytes, rec, sampleBytes, tempFile, walk, window } from './trace-bytes.js';

const WRAP = 0x1f002;
const decodedCount = (buf: Buffer) => walk(buf).filter((r) => r.id !== WRAP).length;

/** Every column of every row, for equality across ways of reading the same file. */
function fingerprint(m: TraceModel) {
  return { meta: m.meta, strings: m.strings, events: Object.fromEntries(Object.entries(m.events).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)])), diagnostics: m.diagnostics.map((d) => [d.code, d.count]) };
}

describe('xentrace: damaged and foreign input', () => {
  it('a copy cut mid-window keeps every complete record and warns', async () => {
    const full = sampleBytes();
    // Cut 1 000 bytes into the 6th window, in the middle of a record.
    const cutWindowAt = (() => {
      let off = 0;
      for (let w = 0; w < 5; w++) off += 12 + full.readUInt32LE(off + 8);
      return off;
    })();
    const cut = full.subarray(0, cutWindowAt + 12 + 1002);
    const model = await loadTrace(tempFile(cut), { cpuHz: 2.4e9 });
    expect(model.eventCount).toBe(decodedCount(cut));
    expect(model.eventCount).toBeLessThan(decodedCount(full));
    const d = model.diagnostics.find((x) => x.code === 'xentrace/truncated');
    expect(d).toMatchObject({ severity: 'warning', count: 1 });
    expect(d?.first.excerpt).toMatch(/window at byte \d+: \d+ of \d+ bytes present/);
    expect(checkIntegrity(model)).toEqual([]);
  });

  it('a file cut inside a window header is truncated too', async () => {
    const full = sampleBytes();
    const firstWindow = 12 + full.readUInt32LE(8);
    const model = await loadTrace(tempFile(full.subarray(0, firstWindow + 8)), { cpuHz: 2.4e9 });
    expect(model.eventCount).toBe(decodedCount(full.subarray(0, firstWindow)));
    expect(model.diagnostics.map((x) => x.code)).toEqual(['xentrace/truncated']);
  });

  it('a big-endian (byte-swapped) copy is refused, naming the endianness', async () => {
    const be = Buffer.from(sampleBytes());
    be.swap32();
    expect(xentraceFormat.sniff(be.subarray(0, 4096))).toBeGreaterThan(0.5);
    const err = await loadTrace(tempFile(be)).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/big-endian/);
  });

  it('garbage is not xentrace: the sniffer says 0 and loading names no format', async () => {
    const garbage = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 251));
    expect(xentraceFormat.sniff(garbage)).toBe(0);
    expect(xentraceFormat.sniff(Buffer.from('hello world\nthis is text\n'))).toBe(0);
    await expect(loadTrace(tempFile(garbage))).rejects.toBeInstanceOf(UnrecognisedInputError);
  });

  it('the pre-3.2 fixed-record layout is refused with a clear message', async () => {
    // cpu, tsc lo/hi, event (TRC_SCHED_SWITCH class, no size bits), 5 data words — twice.
    const legacy = Buffer.from(new Uint32Array([1, 100, 0, 0x2f00a, 0, 0, 1, 0, 0, 1, 200, 0, 0x2f00a, 1, 0, 0, 0, 0]).buffer);
    expect(xentraceFormat.sniff(legacy)).toBeGreaterThan(0.5);
    const err = await loadTrace(tempFile(legacy)).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/pre-3\.2/);
  });

  it('a corrupt window header in the middle: error, resynchronised at the next window', async () => {
    const good = window(0, [rec(0x2800a, 1000, [0x7fff, 0, 1, 0]), rec(0x81001, 1100)]);
    const later = window(1, [rec(0x81001, 1200), rec(0x81001, 1300)]);
    const last = window(0, [rec(0x81001, 1400), rec(0x81001, 1500)]);
    const junk = [0xdeadbeef, 0x12345678, 7];
    const model = await loadTrace(tempFile(bytes(good, junk, later, last)), { cpuHz: 1e9 });
    const bad = model.diagnostics.find((d) => d.code === 'xentrace/bad-window');
    expect(bad).toMatchObject({ severity: 'error' });
    expect(bad?.first.byteOffset).toBe(good.length * 4);
    expect(model.eventCount).toBe(6);
    expect(checkIntegrity(model)).toEqual([]);
  });

  it('a window whose size cuts a record: error, the rest of that window skipped', async () => {
    const w = window(2, [rec(0x81001, 10), rec(0x81102, 20, [1, 2, 3])]);
    w[2] -= 4; // the declared size now ends inside the VMEXIT record
    const model = await loadTrace(tempFile(bytes(window(1, [rec(0x81001, 5)]), w.slice(0, w.length - 1), window(2, [rec(0x81001, 30)]))), { cpuHz: 1e9 });
    expect(model.diagnostics.map((d) => d.code)).toContain('xentrace/bad-window');
    expect(model.eventCount).toBe(3);
  });

  it('a zero-sized window is corruption (xentrace never writes one)', async () => {
    const model = await loadTrace(tempFile(bytes(window(0, [rec(0x81001, 5)]), [0x2001f003, 1, 0], window(0, [rec(0x81001, 6)]))), { cpuHz: 1e9 });
    expect(model.diagnostics.map((d) => d.code)).toContain('xentrace/bad-window');
    expect(model.eventCount).toBe(2);
  });

  it('chunk size does not change the result (1000 and 7 bytes, gzip)', async () => {
    const whole = fingerprint(await loadTrace(SAMPLE(), { cpuHz: 2.4e9 }));
    expect(fingerprint(await loadTrace(SAMPLE(), { cpuHz: 2.4e9, chunkBytes: 1000 }))).toEqual(whole);
    expect(fingerprint(await loadTrace(SAMPLE(), { cpuHz: 2.4e9, chunkBytes: 7 }))).toEqual(whole);
    const gz = tempFile(gzipSync(sampleBytes()), 'sample.bin.gz');
    const viaGzip = fingerprint(await loadTrace(gz, { cpuHz: 2.4e9 }));
    expect({ ...viaGzip, meta: { ...viaGzip.meta, source: '' } }).toEqual({ ...whole, meta: { ...whole.meta, source: '' } });
  });
});
