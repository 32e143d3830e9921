import { GUEST_LAYER_END } from '../log.js';
import { ticksOf } from '../sampling.js';
import type { SimRun } from '../simulate.js';
import { STACKS } from '../stacks.js';
import type { TimedStream } from './merge.js';
import { mergeByTime } from './merge.js';
import { Payloads, TRACEPOINTS } from './payloads.js';
import type { WriteResult, Writer } from './result.js';
import { bump, usecTime } from './result.js';
import { FileSink } from './sink.js';
import { perfFrameLine } from './symbols.js';
import { captured, hostFacts, tracepointLeaf } from './view.js';

const SAMPLE_EVENT = 'cpu-clock';

/**
 * `perf record -a -g -F <hz> -e cpu-clock -e <tracepoints>` inside the captured domain, then
 * `perf script --header` (FORMATS.md §1): comm, tid, [cpu], `%5lu.%06lu:`, the event name
 * right-aligned to the longest one, the payload, and a TAB-indented callchain after every
 * record. Samples in the hypervisor carry Xen frames above the hypercall stub unless the
 * scenario asks for stock perf (`capture.hypervisorFrames: "stub"`).
 */
export const perfScriptWriter: Writer = {
  id: 'perf-script',
  write(run, path) {
    const view = captured(run);
    const names = [SAMPLE_EVENT, ...Object.values(TRACEPOINTS).map((tp) => `${tp.system}:${tp.name}`)];
    const width = Math.max(...names.map((n) => n.length));
    const payloads = new Payloads(run, 'raw', view.ethQueues);
    const stub = run.scenario.capture.hypervisorFrames === 'stub';
    const hz = run.scenario.capture.sampleHz;
    const sink = new FileSink(path);
    sink.text(header(run, view.cpus.length, names, hz));

    const streams: TimedStream[] = [];
    const ticks = view.cpus.map((cpu) => ticksOf(run, cpu, hz));
    for (let i = 0; i < view.cpus.length; i++) streams.push(view.cpus[i].log.ev, ticks[i]);
    const chains = new Map<number, string>();
    const chain = (key: number, frames: () => string[]) => {
      let c = chains.get(key);
      if (c === undefined) {
        c = frames().map(perfFrameLine).join('') + '\n';
        chains.set(key, c);
      }
      return c;
    };
    const heads = run.tasks.map((t) => `${t.tid === 0 ? 'swapper' : t.comm} ${String(t.tid).padStart(5)} [`);
    const cpuTags = view.cpus.map((c) => `${String(c.index).padStart(3, '0')}] `);
    const evNames = new Map(Object.entries(TRACEPOINTS).map(([k, tp]) => [Number(k), `${`${tp.system}:${tp.name}`.padStart(width)}: `]));
    const sampleName = `${String(Math.round(1e9 / hz)).padStart(10)} ${SAMPLE_EVENT.padStart(width)}: \n`;
    const result: WriteResult = { format: 'perf-script', path, bytes: 0, records: 0, byKind: {}, firstNs: NaN, lastNs: NaN, meta: { capture_domain: view.domain, sample_hz: hz } };

    mergeByTime(streams, (si, row) => {
      const v = si >> 1;
      let t: number;
      if ((si & 1) === 0) {
        const ev = view.cpus[v].log.ev;
        const kind = ev.kind[row];
        if (kind >= GUEST_LAYER_END) return;
        t = ev.t[row];
        const stack = ev.stack[row];
        const text = payloads.text(kind, ev.a[row], ev.b[row], ev.c[row], ev.d[row]);
        sink.text(`${heads[ev.task[row]]}${cpuTags[v]}${usecTime(t)}: ${evNames.get(kind)}${text}\n`);
        sink.text(chain(((kind + 1) << 12) + stack + 1, () => tracepointLeaf(kind).concat(stack >= 0 ? STACKS[stack].frames.filter((f) => f[0] !== 'x') : [])));
        bump(result.byKind, TRACEPOINTS[kind].kind);
      } else {
        const tk = ticks[v];
        t = tk.t[row];
        const stack = tk.stack[row];
        sink.text(`${heads[tk.task[row]]}${cpuTags[v]}${usecTime(t)}: ${sampleName}`);
        sink.text(chain(stack, () => (stub ? STACKS[stack].frames.filter((f) => f[0] !== 'x') : STACKS[stack].frames)));
        bump(result.byKind, 'sample');
      }
      if (result.records++ === 0) result.firstNs = t;
      result.lastNs = t;
    });
    sink.close();
    result.bytes = sink.bytes;
    return result;
  },
};

function header(run: SimRun, cpus: number, names: string[], hz: number): string {
  const h = hostFacts(run);
  const events = names.map((name, i) => {
    const tracepoint = name !== SAMPLE_EVENT;
    const ids = Array.from({ length: cpus }, (_, c) => 11 + i * cpus + c).join(', ');
    return tracepoint
      ? `# event : name = ${name}, , id = { ${ids} }, type = 2, size = 112, config = 0x${(0x100 + i * 7).toString(16)}, { sample_period, sample_freq } = 1, sample_type = IP|TID|TIME|CALLCHAIN|CPU|PERIOD|RAW, read_format = ID, disabled = 1, inherit = 1, sample_id_all = 1, exclude_guest = 1\n`
      : `# event : name = ${name}, , id = { ${ids} }, type = 1, size = 112, { sample_period, sample_freq } = ${hz}, sample_type = IP|TID|TIME|CALLCHAIN|CPU|PERIOD, read_format = ID, disabled = 1, inherit = 1, freq = 1, sample_id_all = 1, exclude_guest = 1\n`;
  });
  const cmd = `/usr/bin/perf record -a -g -F ${hz} ${names.map((n) => `-e ${n}`).join(' ')} -- sleep ${run.endNs / 1e9}`;
  return [
    '# ========\n',
    `# captured on    : ${h.capturedOn}\n`,
    '# header version : 1\n',
    '# data offset    : 440\n',
    `# hostname : ${h.hostname}\n`,
    `# os release : ${h.osRelease}\n`,
    '# perf version : 4.19.67\n',
    '# arch : x86_64\n',
    `# nrcpus online : ${cpus}\n`,
    `# nrcpus avail : ${cpus}\n`,
    `# cpudesc : ${h.cpuDesc}\n`,
    '# cpuid : GenuineIntel,6,63,2\n',
    `# total memory : ${h.memoryKb} kB\n`,
    `# cmdline : ${cmd}\n`,
    ...events,
    '# CPU_TOPOLOGY info available, use -I to display\n',
    '# pmu mappings: software = 1, tracepoint = 2, breakpoint = 5\n',
    '# ========\n',
    '#\n',
  ].join('');
}
