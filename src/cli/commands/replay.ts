import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { SpreadSide } from '../../replay/index.js';
import { NO_HOST_CAPTURE, grantHold, renderReplayText, renderStateText, replayCpuStates, replayDocument, replayDriverState, replayQueues, stateDocument, whatIfForTrace } from '../../replay/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeOutput } from '../output.js';
import type { TraceInputOptions } from '../trace-input.js';
import { addTraceInputOptions, loadTraceInput, positiveInt } from '../trace-input.js';

interface ReplayOptions extends TraceInputOptions {
  json?: string;
  queue?: string;
  quiet?: boolean;
  ringSize?: number;
  queues?: number;
  flowQueues?: number[];
  irqSpread?: SpreadSide | true;
  dom0?: string;
}

const SIDES: SpreadSide[] = ['all', 'dom0', 'guest'];
function side(v: string): SpreadSide {
  if (!(SIDES as string[]).includes(v)) throw new InvalidArgumentError(`expected ${SIDES.join(', ')}`);
  return v as SpreadSide;
}

/** `--flow-queues 0,1,1,2`: the queue of each flow in order of first appearance (the kernel's 4-tuple hash, when known). */
function queueList(v: string): number[] {
  const xs = v.split(',').map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 0)) throw new InvalidArgumentError('expected comma-separated queue numbers, e.g. 0,1,1,2');
  return xs;
}

/** `tracelens replay <trace>`: queue timelines (occupancy, stalls, batching, unmatched items) per queue. */
export function registerReplay(program: Command): void {
  const command = program
    .command('replay')
    .description('reconstruct per-queue occupancy, stalls, batching and throughput from net/skb/block events')
    .argument('<file>', 'trace file; - reads stdin')
    .option('--queue <name>', 'only this queue (as printed, e.g. eth0-q1, lo, "block 8,0")')
    .option('--ring-size <slots>', 'what-if: replay the senders against TX rings of this many slots', positiveInt)
    .option('--queues <n>', 'what-if: replay with this many TX queues, the flows dealt over them', positiveInt)
    .option('--flow-queues <list>', 'what-if with --queues: the queue of each flow in order of first appearance (default: round-robin)', queueList)
    .option('--irq-spread [whose]', 'what-if: the IRQs pinned to vCPU 0 spread, one vCPU per queue (all, dom0 or guest; default all); dom0\'s need --dom0', side)
    .option('--dom0 <file>', 'with --irq-spread: a host capture of the same workload with grant_table_op hypercalls (xentrace -D -e 0x0020f000), for the grant-table lock\'s hold')
    .option('--json <path>', 'write the tracelens.replay/v1 document to a file, or - for stdout')
    .option('-q, --quiet', 'no table on stdout');
  addTraceInputOptions(command).action(async (file: string, options: ReplayOptions) => {
    process.exitCode = await replay(file, options);
  });
}

async function replay(path: string, options: ReplayOptions): Promise<number> {
  const model = await loadTraceInput(path, options);
  const timelines = replayQueues(model);
  if (options.queue !== undefined && !timelines.queues.some((q) => q.name === options.queue)) {
    const known = timelines.queues.map((q) => q.name).sort();
    throw new CliError(`${path}: no queue ${JSON.stringify(options.queue)}; queues: ${known.length > 0 ? known.join(', ') : 'none'}`);
  }
  const observed = replayDocument(timelines).queues;
  // The what-if predicts every queue (re-hashing changes them all); --queue narrows what is shown.
  let whatif: ReturnType<typeof whatIfForTrace> = [];
  if (options.dom0 !== undefined && options.irqSpread === undefined) throw new CliError('--dom0 is read for --irq-spread only');
  let irqSpread: { side: SpreadSide; hold: ReturnType<typeof grantHold> } | undefined;
  if (options.irqSpread !== undefined) {
    const whose = options.irqSpread === true ? 'all' : options.irqSpread;
    const noCapture = `${NO_HOST_CAPTURE} (--dom0 FILE: xentrace with grant_table_op hypercalls)`;
    irqSpread = { side: whose, hold: whose === 'guest' ? noCapture : options.dom0 === undefined ? noCapture : grantHold(await loadTraceInput(options.dom0, { ...options, format: undefined })) };
  }
  try {
    if (options.ringSize !== undefined || options.queues !== undefined || irqSpread !== undefined) whatif = whatIfForTrace(model, observed, { ringSlots: options.ringSize, queues: options.queues, flowQueues: options.flowQueues, irqSpread });
  } catch (err) {
    if (err instanceof RangeError) throw new CliError(`${options.irqSpread !== undefined ? '--irq-spread' : '--flow-queues'}: ${err.message}`);
    throw err;
  }
  const queues = replayDocument(timelines, whatif.filter((w) => options.queue === undefined || w.queue === options.queue), options.queue);
  const states = stateDocument(replayCpuStates(model), replayDriverState(model));
  const doc = { ...queues, ...states };
  if (options.json !== undefined) await writeOutput(options.json, `${JSON.stringify(doc, null, 2)}\n`);
  if (!options.quiet && options.json !== '-') await writeOutput('-', renderReplayText(queues) + renderStateText(states));
  return EXIT.ok;
}
