import { EV, GUEST_LAYER_END } from '../log.js';
import type { Activity } from '../stacks.js';
import { STACKS } from '../stacks.js';
import type { TimedStream } from './merge.js';
import { mergeByTime } from './merge.js';
import { Payloads, TRACEPOINTS } from './payloads.js';
import type { WriteResult, Writer } from './result.js';
import { writeUsecTime } from './result.js';
import { FileSink, enc } from './sink.js';
import { captured } from './view.js';

/** Work that runs in interrupt context: events from it carry the hardirq/softirq flag. */
const IRQ_CONTEXT = new Set<Activity>(['nbIrq', 'nbTxBuild', 'nbTxCopy', 'nbTxSpin', 'nbForward', 'nbTxNotify', 'txGc', 'rxPoll', 'rxStack', 'ack']);

/**
 * The tracefs `trace` file of a 4.19 kernel with the events enabled and `#P:` CPUs
 * (FORMATS.md §2): the `# tracer: nop` header with the 4-flag irq-info legend, then
 * `%16s-%-5d [%03d] flags %5lu.%06lu: event: payload`, globally time-ordered. `%p` values
 * are hashed, as tracefs prints them.
 */
export const ftraceWriter: Writer = {
  id: 'ftrace',
  write(run, path) {
    const view = captured(run);
    const payloads = new Payloads(run, 'hashed', view.ethQueues);
    let total = 0;
    for (const cpu of view.cpus) for (let i = 0; i < cpu.log.ev.n; i++) if (cpu.log.ev.kind[i] < GUEST_LAYER_END) total++;
    const sink = new FileSink(path);
    sink.text(header(total, view.cpus.length));
    const heads = run.tasks.map((t) => enc(`${(t.tid === 0 ? '<idle>' : t.comm).padStart(16)}-${String(t.tid).padEnd(5)} [`));
    const cpuTags = view.cpus.map((c) => enc(`${String(c.index).padStart(3, '0')}] `));
    const names: Buffer[] = [];
    for (const [k, tp] of Object.entries(TRACEPOINTS)) names[Number(k)] = enc(`: ${tp.name}: `);
    const flagText = FLAGS.map((f) => enc(`${f} `));
    const result: WriteResult = { format: 'ftrace', path, bytes: 0, records: 0, byKind: {}, firstNs: NaN, lastNs: NaN, meta: { capture_domain: view.domain } };
    const streams: TimedStream[] = view.cpus.map((c) => c.log.ev);
    const counts = new Float64Array(64);
    mergeByTime(streams, (v, row) => {
      const ev = view.cpus[v].log.ev;
      const kind = ev.kind[row];
      if (kind >= GUEST_LAYER_END) return;
      const t = ev.t[row];
      sink.reserve();
      sink.put(heads[ev.task[row]]);
      sink.put(cpuTags[v]);
      sink.put(flagText[flags(kind, ev.stack[row])]);
      writeUsecTime(sink, t);
      sink.put(names[kind]);
      payloads.write(sink, kind, ev.a[row], ev.b[row], ev.c[row], ev.d[row]);
      sink.buf[sink.off++] = 10;
      counts[kind]++;
      if (result.records++ === 0) result.firstNs = t;
      result.lastNs = t;
    });
    sink.close();
    result.bytes = sink.bytes;
    for (const [k, tp] of Object.entries(TRACEPOINTS)) if (counts[Number(k)] > 0) result.byKind[tp.kind] = counts[Number(k)];
    return result;
  },
};

const FLAGS = ['d..2', 'd.h1', 'd.s3', 'd..3', '..s1', '....', '...1'];
const IRQ_STACK = STACKS.map((st) => IRQ_CONTEXT.has(st.activity));

/** irqs-off, need-resched, hardirq/softirq, preempt-depth, as the context of the event implies (index into FLAGS). */
function flags(kind: number, stack: number): number {
  if (kind === EV.SCHED_SWITCH) return 0;
  if (kind === EV.IRQ_ENTRY || kind === EV.IRQ_EXIT || kind === EV.SOFTIRQ_RAISE) return 1;
  const irqCtx = stack >= 0 && IRQ_STACK[stack];
  if (kind === EV.SCHED_WAKEUP) return irqCtx ? 2 : 3;
  if (irqCtx) return 4;
  if (kind === EV.SYS_ENTER || kind === EV.SYS_EXIT) return 5;
  return 6;
}

function header(entries: number, cpus: number): string {
  return [
    '# tracer: nop\n',
    '#\n',
    `# entries-in-buffer/entries-written: ${entries}/${entries}   #P:${cpus}\n`,
    '#\n',
    '#                              _-----=> irqs-off\n',
    '#                             / _----=> need-resched\n',
    '#                            | / _---=> hardirq/softirq\n',
    '#                            || / _--=> preempt-depth\n',
    '#                            ||| /     delay\n',
    '#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION\n',
    '#              | |       |   ||||       |         |\n',
  ].join('');
}

