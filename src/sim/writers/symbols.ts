import { STACKS } from '../stacks.js';

/**
 * Addresses and object files for the symbols of the stack catalogue. Every symbol gets a
 * fixed start address in its space (kernel text at ffffffff81000000, Xen at ffff82d080200000,
 * user code low), so a frame `sym+0xoff` always prints the same address, as perf would.
 */
interface Sym {
  hi: string; // high 32 bits, as hex
  lo: number; // low 32 bits of the symbol start
  dso: string;
}

const LIBC = '/lib/x86_64-linux-gnu/libc-2.28.so';
const LIBPTHREAD = '/lib/x86_64-linux-gnu/libpthread-2.28.so';
const IPERF = '/usr/bin/iperf';
const USER_DSO: Record<string, string> = { __libc_write: LIBC, __libc_read: LIBC, __clone: LIBC, start_thread: LIBPTHREAD };

/** The DSO perf shows for hypervisor frames in the simulated Xen-aware capture (see README). */
export const XEN_DSO = '[hypervisor]';

const table = new Map<string, Sym>();
{
  const next: Record<string, number> = { k: 0x81000000, x: 0x80200000, u: 0x401000, libc: 0x21000, pthread: 0x7000 };
  for (const st of STACKS) {
    for (const frame of st.frames) {
      const space = frame[0];
      const name = frameName(frame);
      const key = `${space} ${name}`;
      if (table.has(key)) continue;
      let sym: Sym;
      if (space === 'k' || space === 'x') {
        sym = { hi: space === 'k' ? 'ffffffff' : 'ffff82d0', lo: next[space], dso: space === 'k' ? '[kernel.kallsyms]' : XEN_DSO };
        next[space] += 0x400 + ((name.length * 0x97) & 0x3f0);
      } else {
        const dso = USER_DSO[name] ?? IPERF;
        const pool = dso === LIBC ? 'libc' : dso === LIBPTHREAD ? 'pthread' : 'u';
        sym = { hi: '', lo: next[pool], dso };
        next[pool] += 0x300 + ((name.length * 0x53) & 0x1f0);
      }
      table.set(key, sym);
    }
  }
}

export function frameName(frame: string): string {
  const plus = frame.lastIndexOf('+0x');
  return frame.slice(2, plus > 0 ? plus : undefined);
}

function frameOffset(frame: string): number {
  const plus = frame.lastIndexOf('+0x');
  return plus > 0 ? parseInt(frame.slice(plus + 3), 16) : 0;
}

/** One perf callchain line: `\t%16lx sym+0xoff (dso)`. */
export function perfFrameLine(frame: string): string {
  const name = frameName(frame);
  const sym = table.get(`${frame[0]} ${name}`) as Sym;
  const lo = (sym.lo + frameOffset(frame)) >>> 0;
  const addr = sym.hi === '' ? lo.toString(16) : sym.hi + lo.toString(16).padStart(8, '0');
  return `\t${addr.padStart(16)} ${name}+0x${frameOffset(frame).toString(16)} (${sym.dso})\n`;
}
