import { KIND_CODE } from '../../model/schema.js';
import { Code, TRC_64_FLAG } from './event-names.js';
import type { RecordStrings } from './record-strings.js';

const K = KIND_CODE;
const TWO32 = 4294967296;

/**
 * Kind and a0..a3 of the less frequent records whose words need reshaping (layouts in
 * FORMATS.md §3.7; the kinds' arguments are documented in model/schema.ts). Results go to
 * `out` (a0..a3, then str0) — a typed array, so no number is boxed on the way back to the hot
 * loop. `w` holds the record's first four extra words (NaN when absent).
 */
export function shapeRecord(code: number, id: number, words: Uint32Array, x: number, n: number, w: Float64Array, nsPerTick: number, strings: RecordStrings, out: Float64Array): number {
  const wide = (id & TRC_64_FLAG) !== 0;
  out.fill(NaN);
  out[4] = -1;
  switch (code) {
    case Code.CrWrite:
      if (w[0] !== 3) {
        out.set(w.subarray(0, 4));
        return K.hvm_handler;
      }
      out[0] = -1; // a CR3 load flushes the (non-global) TLB
      out[3] = wide ? w[2] * TWO32 + w[1] : w[1];
      out[4] = strings.cr3;
      return K.tlb_flush;
    case Code.Invlpg:
      out[0] = 1;
      out[3] = wide ? w[2] * TWO32 + w[1] : w[1];
      out[4] = w[0] === 1 ? strings.invlpga : strings.invlpg;
      return K.tlb_flush;
    case Code.PvTrap: {
      // eip (1 or 2 words), then trapnr:15, use_error_code:1, error_code:16
      const t = wide ? w[2] : w[1];
      out[0] = t & 0x7fff;
      out[1] = (t >>> 15) & 1 ? t >>> 16 : NaN;
      out[2] = wide ? w[1] * TWO32 + w[0] : w[0];
      return K.pv_trap;
    }
    case Code.PvPageFault:
      // eip, addr, error_code — 64-bit: rip lo/hi, addr lo/hi, error_code
      out[0] = wide ? w[3] * TWO32 + w[2] : w[1];
      out[1] = wide ? (n > 4 ? words[x + 4] : NaN) : w[2];
      out[2] = wide ? w[1] * TWO32 + w[0] : w[0];
      return K.page_fault;
    case Code.Grant:
      // map_grant_ref = 0, unmap_grant_ref = 1, transfer = 4 (GNTTABOP numbering); w0 = granting domain
      out[0] = (id & 0xf) === 1 ? 0 : (id & 0xf) === 2 ? 1 : 4;
      out[2] = w[0];
      return K.grant_op;
    case Code.IrqHandled:
      // irq, tsc_in, tsc_out: the TSC's low 32 bits, so their difference is modulo 2^32
      out[0] = w[0];
      out[1] = n > 2 ? Math.round(((w[2] - w[1]) >>> 0) * nsPerTick) : NaN;
      return K.irq_entry;
    default: // Code.IrqBind: irq, vector, cpu or cpumask word
      out[0] = w[0];
      out[1] = w[1];
      out[2] = w[2];
      return K.irq_bind;
  }
}
