import { GUEST_LAYER_END } from '../log.js';
import { ticksOf } from '../sampling.js';
import type { SimRun } from '../simulate.js';
import { STACKS } from '../stacks.js';
import type { TimedStream } from './merge.js';
import { mergeByTime } from './merge.js';
import { Payloads, TRACEPOINTS } from './payloads.js';
import type { WriteResult, Writer } from './result.js';
import { writeUsecTime } from './result.js';
import { FileSink, MAX_RECORD, enc } from './sink.js';
import { perfFrameLine } from './symbols.js';
import { captured, hostFacts } from './view.js';

const SAMPLE_EVENT = 'cpu-clock';

/**
 * `perf record -a -F <hz> -e cpu-clock/call-graph=fp/ -e <tracepoints>` inside the captured
 * domain, then `perf script --header` (FORMATS.md §1). Tracepoints have no callchain, so their
 * comm is `%16s`; samples have one, so theirs is `%s` and a TAB-indented callchain and a blank
 * line follow. Then `%5d` tid, `[%03d]`, `%5lu.%06lu:`, the event name right-aligned to the
 * longest one, and the payload. Samples in the hypervisor carry Xen frames above the hypercall
 * stub unless the scenario asks for stock perf (`capture.hypervisorFrames: "stub"`).
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
    const chains = STACKS.map((st) => enc(`${(stub ? st.frames.filter((f) => f[0] !== 'x') : st.frames).map(perfFrameLine).join('')}\n`));
    for (const c of chains) if (c.length > MAX_RECORD - 256) throw new Error('callchain longer than a sink record');
    const comm = (t: { tid: number; comm: string }) => (t.tid === 0 ? 'swapper' : t.comm);
    const heads = run.tasks.map((t) => enc(`${comm(t).padStart(16)} ${String(t.tid).padStart(5)} [`));
    const sampleHeads = run.tasks.map((t) => enc(`${comm(t)} ${String(t.tid).padStart(5)} [`));
    const cpuTags = view.cpus.map((c) => enc(`${String(c.index).padStart(3, '0')}] `));
    const evNames: Buffer[] = [];
    for (const [k, tp] of Object.entries(TRACEPOINTS)) evNames[Number(k)] = enc(`: ${`${tp.system}:${tp.name}`.padStart(width)}: `);
    const sampleName = enc(`: ${String(Math.round(1e9 / hz)).padStart(10)} ${SAMPLE_EVENT.padStart(width)}: \n`);
    const counts = new Float64Array(64);
    let samples = 0;
    let records = 0;
    let first = NaN;
    let last = NaN;

    mergeByTime(streams, (si, row) => {
      const v = si >> 1;
      let t: number;
      sink.reserve();
      if ((si & 1) === 0) {
        const ev = view.cpus[v].log.ev;
        const kind = ev.kind[row];
        if (kind >= GUEST_LAYER_END) return;
        t = ev.t[row];
        sink.put(heads[ev.task[row]]);
        sink.put(cpuTags[v]);
        writeUsecTime(sink, t);
        sink.put(evNames[kind]);
        payloads.write(sink, kind, ev.a[row], ev.b[row], ev.c[row], ev.d[row]);
        sink.buf[sink.off++] = 10;
        counts[kind]++;
      } else {
        const tk = ticks[v];
        t = tk.t[row];
        sink.put(sampleHeads[tk.task[row]]);
        sink.put(cpuTags[v]);
        writeUsecTime(sink, t);
        sink.put(sampleName);
        sink.put(chains[tk.stack[row]]);
        samples++;
      }
      if (records++ === 0) first = t;
      last = t;
    });
    sink.close();
    const byKind: Record<string, number> = {};
    if (samples > 0) byKind.sample = samples;
    for (const [k, tp] of Object.entries(TRACEPOINTS)) if (counts[Number(k)] > 0) byKind[tp.kind] = counts[Number(k)];
    const result: WriteResult = { format: 'perf-script', path, bytes: sink.bytes, records, byKind, firstNs: first, lastNs: last, meta: { capture_domain: view.domain, sample_hz: hz } };
    return result;
  },
};

function header(run: SimRun, cpus: number, names: readonly string[], hz: number): string {
  const h = hostFacts(run);
  const events = names.map((name, i) => {
    const tracepoint = name !== SAMPLE_EVENT;
    const ids = Array.from({ length: cpus }, (_, c) => 11 + i * cpus + c).join(', ');
    return tracepoint
      ? `# event : name = ${name}, , id = { ${ids} }, type = 2, size = 112, config = 0x${(0x100 + i * 7).toString(16)}, { sample_period, sample_freq } = 1, sample_type = IP|TID|TIME|CPU|PERIOD|RAW, read_format = ID, disabled = 1, inherit = 1, sample_id_all = 1, exclude_guest = 1\n`
      : `# event : name = ${name}, , id = { ${ids} }, type = 1, size = 112, { sample_period, sample_freq } = ${hz}, sample_type = IP|TID|TIME|CALLCHAIN|CPU|PERIOD, read_format = ID, disabled = 1, inherit = 1, freq = 1, sample_id_all = 1, exclude_guest = 1\n`;
  });
  const cmd = `/usr/bin/perf record -a -F ${hz} -e ${SAMPLE_EVENT}/call-graph=fp/ ${names
    .slice(1)
    .map((n) => `-e ${n}`)
    .join(' ')} -- sleep ${run.endNs / 1e9}`;
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
