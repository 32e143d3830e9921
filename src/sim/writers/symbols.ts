/**
 * Addresses and object files for simulated frames. A symbol's start address is a hash of its
 * name inside its space (kernel text from ffffffff81000000, Xen from ffff82d080200000, user
 * code low), so `sym+0xoff` always prints the same address, whatever the run, as perf would.
 */
const LIBC = '/lib/x86_64-linux-gnu/libc-2.28.so';
const LIBPTHREAD = '/lib/x86_64-linux-gnu/libpthread-2.28.so';
const IPERF = '/usr/bin/iperf';
const USER_DSO: Record<string, string> = { __libc_write: LIBC, __libc_read: LIBC, __clone: LIBC, start_thread: LIBPTHREAD };

/** The DSO perf shows for hypervisor frames in the simulated Xen-aware capture (see README). */
export const XEN_DSO = '[hypervisor]';

function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function symbolOf(space: string, name: string): { hi: string; lo: number; dso: string } {
  const h = (nameHash(name) & ~0xf) >>> 0;
  if (space === 'k') return { hi: 'ffffffff', lo: 0x81000000 + (h % 0x00c00000), dso: '[kernel.kallsyms]' };
  if (space === 'x') return { hi: 'ffff82d0', lo: 0x80200000 + (h % 0x00180000), dso: XEN_DSO };
  const dso = USER_DSO[name] ?? IPERF;
  return { hi: '', lo: (dso === IPERF ? 0x401000 : 0x21000) + (h % 0x40000), dso };
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
  const sym = symbolOf(frame[0], name);
  const lo = (sym.lo + frameOffset(frame)) >>> 0;
  const addr = sym.hi === '' ? lo.toString(16) : sym.hi + lo.toString(16).padStart(8, '0');
  return `\t${addr.padStart(16)} ${name}+0x${frameOffset(frame).toString(16)} (${sym.dso})\n`;
}
