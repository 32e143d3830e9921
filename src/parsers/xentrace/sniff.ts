import { headLines } from '../format.js';
import { MAX_CPU } from '../../model/schema.js';
import { CPU_CHANGE_WORD } from './event-names.js';

/**
 * Recognising xentrace input. The binary has no magic (FORMATS.md §3.1): a current-format file
 * starts with a cpu_change record, whose first word is 0x2001f003 in the host's byte order.
 * The same word byte-swapped means a big-endian capture, and a small CPU number followed by a
 * plausible event id is the pre-3.2 fixed-record layout. Both are claimed here so that parsing
 * can reject them with a message that says what they are, rather than "unrecognised".
 */
export type BinaryLayout = 'le' | 'be' | 'legacy';

/** Highest pCPU id accepted in a cpu_change record (Xen's NR_CPUS tops out well below). */
export const MAX_PCPU = MAX_CPU;

export function binaryLayout(head: Buffer): BinaryLayout | null {
  if (head.length < 12) return null;
  if (head.readUInt32LE(0) === CPU_CHANGE_WORD) return plausibleWindow(head, true) ? 'le' : null;
  if (head.readUInt32BE(0) === CPU_CHANGE_WORD) return plausibleWindow(head, false) ? 'be' : null;
  return looksLegacy(head) ? 'legacy' : null;
}

/** The first window's header is sane and the records inside the head tile it exactly. */
function plausibleWindow(head: Buffer, le: boolean): boolean {
  const u32 = (off: number) => (le ? head.readUInt32LE(off) : head.readUInt32BE(off));
  const cpu = u32(4);
  const size = u32(8);
  if (cpu > MAX_PCPU || size === 0 || size % 4 !== 0) return false;
  const end = Math.min(head.length, 12 + size);
  let off = 12;
  while (off + 4 <= end) {
    const w = u32(off);
    if ((w & 0x0fffffff) === 0x1f003) return false; // a cpu_change inside a window is corruption
    off += 4 + (w >>> 31) * 8 + ((w >>> 28) & 7) * 4;
  }
  // Either the walk ended exactly at the window's end or it ran off the head mid-record.
  return off === 12 + size || end < 12 + size;
}

/**
 * Legacy (Xen ≤ 3.1) records: u32 cpu, u64 tsc, u32 event, 5 × u32 data = 36 bytes, so a
 * small cpu at 0 and 36, and an event word whose class bits name one class (bits 16..27).
 */
function looksLegacy(head: Buffer): boolean {
  if (head.length < 72) return false;
  for (const off of [0, 36]) {
    const cpu = head.readUInt32LE(off);
    const event = head.readUInt32LE(off + 12);
    const cls = (event >>> 16) & 0xfff;
    if (cpu > 255 || event >>> 28 !== 0 || cls === 0 || (cls & (cls - 1)) !== 0) return false;
  }
  return true;
}

/** `CPU3  50475882825885 (+    1234)  name [ fields ]` — the xentrace_format line shape (§3.9). */
export const TEXT_LINE = /^CPU(\d+)\s+(\d+(?:\.\d+)?)\s+\(\+\s*(-?\d+)\)\s+(.*)$/;

/** Share of the first lines that are xentrace_format records (other lines: TSC warnings, blanks). */
export function textScore(head: Buffer): number {
  const lines = headLines(head).filter((l) => l.trim() !== '');
  if (lines.length === 0) return 0;
  const records = lines.filter((l) => TEXT_LINE.test(l)).length;
  if (records === 0) return 0;
  return records * 2 >= lines.length ? 0.9 : 0.3;
}
