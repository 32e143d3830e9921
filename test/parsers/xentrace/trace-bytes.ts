import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedTrace } from '../../helpers.js';

/**
 * Hand-made xentrace bytes for tests, written from the layout in FORMATS.md §3 (not from the
 * parser): a record is `event | n << 28 | tsc << 31`, optional TSC lo/hi, n extra words; a
 * window is a cpu_change record (0x2001f003, cpu, size) and its records.
 */
export function rec(id: number, tsc: number | null, words: number[] = []): number[] {
  const head = (id | (words.length << 28) | (tsc === null ? 0 : 0x80000000)) >>> 0;
  return tsc === null ? [head, ...words] : [head, tsc % 2 ** 32, Math.floor(tsc / 2 ** 32), ...words];
}

export function window(cpu: number, records: number[][]): number[] {
  const body = records.flat();
  return [0x2001f003, cpu, body.length * 4, ...body];
}

export function bytes(...windows: number[][]): Buffer {
  return Buffer.from(new Uint32Array(windows.flat().map((w) => w >>> 0)).buffer);
}

const dir = mkdtempSync(join(tmpdir(), 'tracelens-xentrace-'));
let n = 0;
export function tempFile(content: Buffer | string, name = `t${n++}.bin`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

export const SAMPLE = () => sharedTrace('xentrace', 'xentrace-parser-rs__examples_xentrace.first10windows.bin');

export interface WalkedRecord {
  cpu: number;
  id: number;
  tsc: number | null;
  words: number[];
  /** File offset just past the record. */
  end: number;
}

/** An independent walk of the windows with DataView, for expected counts (stops at a cut record). */
export function walk(buf: Buffer): WalkedRecord[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const out: WalkedRecord[] = [];
  for (let off = 0; off + 12 <= buf.length; ) {
    const cpu = dv.getUint32(off + 4, true);
    const end = off + 12 + dv.getUint32(off + 8, true);
    for (off += 12; off + 4 <= Math.min(end, buf.length); ) {
      const h = dv.getUint32(off, true);
      const n = (h >>> 28) & 7;
      const size = 4 + (h >>> 31) * 8 + 4 * n;
      if (off + size > buf.length) return out;
      const tsc = h >>> 31 ? dv.getUint32(off + 8, true) * 2 ** 32 + dv.getUint32(off + 4, true) : null;
      const w0 = off + 4 + (h >>> 31) * 8;
      out.push({ cpu, id: h & 0x0fffffff, tsc, words: Array.from({ length: n }, (_, k) => dv.getUint32(w0 + 4 * k, true)), end: off + size });
      off += size;
    }
    off = end;
  }
  return out;
}

export const sampleBytes = () => readFileSync(SAMPLE());
