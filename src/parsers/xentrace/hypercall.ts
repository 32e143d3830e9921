import { KIND_CODE } from '../../model/schema.js';
import { HYPERCALL_IRET, HYPERCALL_MMUEXT_OP } from './event-names.js';

const TWO32 = 4294967296;

/**
 * TRC_PV_HYPERCALL_V2 / SUBCALL word 0: the op in bits 0..19, then a 2-bit code per argument
 * A0..A5 (00 absent, 01 u32, 10 u64 as lo, hi; 11 reserved), the present ones packed after it
 * (xen/include/public/trace.h). Fills `out` with op, first and second recorded argument, and
 * the presence field; NaN for what is absent. A typed array, so nothing is boxed per record.
 */
export function decodeHypercallV2(words: Uint32Array, x: number, n: number, out: Float64Array): void {
  out.fill(NaN);
  if (n === 0) return;
  const w = words[x];
  const presence = w >>> 20;
  out[0] = w & 0xfffff;
  out[3] = presence;
  let at = x + 1;
  const end = x + n;
  for (let arg = 0, got = 1; arg < 6 && got < 3; arg++) {
    const code = (presence >>> (2 * arg)) & 3;
    if (code === 0 || code === 3) continue;
    const wide = code === 2;
    if (at + (wide ? 2 : 1) > end) break;
    out[got++] = wide ? words[at + 1] * TWO32 + words[at] : words[at];
    at += wide ? 2 : 1;
  }
}

/** DESIGN §4: iret (23) is how a 64-bit PV guest returns from a syscall, mmuext_op (26) flushes TLBs. */
export function hypercallKind(op: number): number {
  return op === HYPERCALL_IRET ? KIND_CODE.syscall_exit : op === HYPERCALL_MMUEXT_OP ? KIND_CODE.tlb_flush : KIND_CODE.hypercall;
}
