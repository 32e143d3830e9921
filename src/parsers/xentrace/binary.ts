import type { TraceBuilder } from '../../model/builder.js';
import type { ParseHooks } from '../format.js';
import type { InputSource } from '../input/source.js';
import { InputError } from '../input/source.js';
import { PcpuState } from './attribution.js';
import { clockFor, reportLost, tscToNs, warnDefaultClock } from './clock.js';
import { CPU_CHANGE_WORD } from './event-names.js';
import { Merger } from './merge.js';
import { RecordDecoder } from './records.js';
import { binaryLayout } from './sniff.js';
import { WindowDemux } from './windows.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The binary pipeline: chunks → window demultiplexer → record decoder (rows queued per pCPU)
 * → merge by TSC into the model at each pass boundary, then what the summary needs to know.
 */
export async function parseBinary(input: InputSource, b: TraceBuilder, hooks: ParseHooks): Promise<void> {
  rejectUnsupported(input);
  const clock = clockFor(b, hooks.cpuHz);
  const time = { nsPerTick: clock.nsPerTick, offset: 0 };
  const merger = new Merger(b, time);
  const pcpus = new PcpuState();
  // Tick 0 is the first TSC of the file; the builder's base second and this offset make its
  // absolute time exact (the builder rebases to the earliest row when it finishes).
  const records = new RecordDecoder(b, pcpus, merger, clock.nsPerTick, (hi, lo) => {
    const ns = tscToNs(hi, lo, 0, clock.cpuHz);
    b.time(Number(ns / 1_000_000_000n), 0);
    time.offset = Number(ns % 1_000_000_000n);
  });
  const demux = new WindowDemux(records, merger, pcpus, b.diagnostics);
  for await (const chunk of input.chunks()) {
    demux.push(chunk);
    hooks.onProgress?.(input.bytesRead);
  }
  demux.end();
  if (!records.hasBase) b.time(0, 0); // no record carried a TSC: times are all 0
  const minTick = records.minTick === Infinity ? 0 : records.minTick;
  merger.flushAll(minTick);
  finishTimes(b, merger, time.offset + Math.round(minTick * clock.nsPerTick));
  reportLost(b, records.lost, minTick, clock.nsPerTick);
  warnDefaultClock(b, clock);

  const h = b.meta.header;
  const [hi, lo] = records.base;
  b.meta.cpuCount = pcpus.count;
  h.layout = 'xentrace binary, little-endian';
  h.windows = String(demux.windows);
  h['wrap padding records'] = String(pcpus.paddingTotal());
  if (pcpus.paddingTotal() > 0) h['wrap padding by pCPU'] = pcpus.paddingByPcpu();
  h['lost records'] = String(records.lost.reduce((n, g) => n + g.count, 0));
  h['first tsc'] = ((BigInt(hi) << 32n) + BigInt(lo) + BigInt(minTick)).toString();
}

/** Loss start times get the builder's final time shift (see model-rows); rows merged late (see merge) are reported. */
export function finishTimes(b: TraceBuilder, merger: Merger, t0: number): void {
  merger.rows.finishLost(t0);
  if (merger.late > 0) {
    b.diagnostics.report('xentrace/merge-order', 'info', `${merger.late} records were merged after later ones (a pCPU stayed silent past the merge's memory bound, or the windows do not follow xentrace's pass order)`);
  }
}

/** Big-endian and pre-3.2 files are recognised only to be refused clearly (exit 2). */
function rejectUnsupported(input: InputSource): void {
  const layout = binaryLayout(input.head);
  if (layout === 'be') {
    throw new InputError(input.path, 'is a big-endian xentrace file (first word 0x2001f003 byte-swapped); tracelens reads the little-endian traces of x86 and Arm hosts [xentrace/big-endian]');
  }
  if (layout === 'legacy') {
    throw new InputError(input.path, 'looks like a pre-3.2 xentrace file (fixed-size records: cpu, tsc, event, 5 data words); that layout is not supported — re-capture with a current xentrace [xentrace/legacy-format]');
  }
  // Forced with --format on a file whose first window is damaged: read on, the demultiplexer reports it.
  if (layout === null && !(input.head.length >= 4 && input.head.readUInt32LE(0) === CPU_CHANGE_WORD)) {
    throw new InputError(input.path, 'does not start with a xentrace cpu_change record (0x2001f003) [xentrace/bad-window]');
  }
  if (!LITTLE_ENDIAN_HOST) throw new InputError(input.path, 'reading xentrace binaries needs a little-endian host');
}
