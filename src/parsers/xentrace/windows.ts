import type { Diagnostics } from '../../model/diagnostics.js';
import type { PcpuState } from './attribution.js';
import { CPU_CHANGE_WORD } from './event-names.js';
import type { Merger } from './merge.js';
import type { RecordDecoder } from './records.js';
import { MAX_PCPU } from './sniff.js';

/**
 * Window demultiplexer: `file := (cpu_change header, payload of window_size bytes)*`
 * (FORMATS.md §3.1). Each chunk is copied behind the few bytes of an unfinished record left
 * from the previous chunk into one private, 4-byte-aligned staging buffer, so the records can
 * be read as Uint32 words whatever the chunk's size or alignment (chunks are reused buffers and
 * gzip/stdin chunks have any length). Positions in the file stay 4-byte aligned because every
 * record and header is a whole number of words.
 */
export class WindowDemux {
  windows = 0;
  private stage = new Uint8Array(0);
  private words = new Uint32Array(0);
  private carry = 0;
  /** File byte offset of stage[0]. */
  private offset = 0;
  private pcpu = -1;
  /** Payload bytes of the current window not decoded yet; 0 = a cpu_change header comes next. */
  private left = 0;
  private windowAt = 0;
  private windowSize = 0;
  private resyncing = false;
  private skipped = 0;

  constructor(
    private readonly records: RecordDecoder,
    private readonly merger: Merger,
    private readonly pcpus: PcpuState,
    private readonly diagnostics: Diagnostics,
  ) {}

  push(chunk: Buffer): void {
    const total = this.carry + chunk.length;
    if (total > this.stage.length) {
      const bigger = new Uint8Array((Math.max(total, this.stage.length * 2) + 7) & ~7);
      bigger.set(this.stage.subarray(0, this.carry));
      this.stage = bigger;
      this.words = new Uint32Array(bigger.buffer);
    }
    this.stage.set(chunk, this.carry);
    const nWords = total >>> 2;
    let w = 0;
    while (w < nWords) {
      if (this.left === 0) {
        if (this.resyncing) {
          w = this.resync(w, nWords);
          if (this.resyncing) break;
        }
        if (w + 3 > nWords) break;
        if (this.header(w)) w += 3;
        else {
          this.resyncing = true;
          this.skipped += 4;
          w++;
        }
        continue;
      }
      const windowEnd = w + (this.left >>> 2);
      const stop = this.records.decode(this.words, w, Math.min(windowEnd, nWords), this.pcpu, this.offset);
      this.left -= (stop - w) * 4;
      w = stop;
      if (this.left === 0) continue;
      if (windowEnd > nWords) break; // the window goes on in the next chunk
      // The whole window is here, yet a record would run past its end: the size lied.
      this.diagnostics.report('xentrace/bad-window', 'error', 'corrupt window: a record runs past the end of its window; skipped the rest of it', {
        byteOffset: this.offset + w * 4,
        excerpt: `pCPU ${this.pcpu} window at byte ${this.windowAt}, ${this.windowSize} bytes`,
      });
      w = windowEnd;
      this.left = 0;
    }
    const keep = total - w * 4;
    this.stage.copyWithin(0, w * 4, total);
    this.carry = keep;
    this.offset += w * 4;
  }

  /** At EOF: a cut last window keeps its complete records, plus a warning. */
  end(): void {
    if (this.skipped > 0) {
      this.diagnostics.report('xentrace/bad-window', 'error', `skipped ${this.skipped} bytes that were not a window`, {
        byteOffset: this.offset,
      });
    }
    if (this.left > 0) {
      const got = this.windowSize - this.left + this.carry;
      this.diagnostics.report('xentrace/truncated', 'warning', 'the file ends inside a window (xentrace stopped mid-write?): kept its complete records', {
        byteOffset: this.offset + this.carry,
        excerpt: `pCPU ${this.pcpu} window at byte ${this.windowAt}: ${got} of ${this.windowSize} bytes present`,
      });
    } else if (this.carry > 0 && !this.resyncing) {
      this.diagnostics.report('xentrace/truncated', 'warning', 'the file ends inside a cpu_change header', {
        byteOffset: this.offset,
        excerpt: `${this.carry} trailing bytes`,
      });
    }
  }

  /** Start a window if words[w..w+2] are a sane cpu_change record. */
  private header(w: number): boolean {
    const words = this.words;
    const cpu = words[w + 1];
    const size = words[w + 2];
    if (words[w] !== CPU_CHANGE_WORD || cpu > MAX_PCPU || size === 0 || size % 4 !== 0) {
      this.diagnostics.report('xentrace/bad-window', 'error', 'expected a cpu_change record (window header); resynchronising at the next one', {
        byteOffset: this.offset + w * 4,
        excerpt: [words[w], cpu, size].map((x) => `0x${x.toString(16).padStart(8, '0')}`).join(' '),
      });
      return false;
    }
    this.pcpus.ensure(cpu);
    this.merger.windowStart(cpu);
    this.windows++;
    this.pcpu = cpu;
    this.left = size;
    this.windowAt = this.offset + w * 4;
    this.windowSize = size;
    return true;
  }

  /** Skip words until the next plausible cpu_change header; returns where scanning stopped. */
  private resync(w: number, nWords: number): number {
    const words = this.words;
    for (; w + 3 <= nWords; w++) {
      const size = words[w + 2];
      if (words[w] === CPU_CHANGE_WORD && words[w + 1] <= MAX_PCPU && size > 0 && size % 4 === 0) {
        this.resyncing = false;
        return w;
      }
      this.skipped += 4;
    }
    return w;
  }
}
