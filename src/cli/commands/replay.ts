import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { renderReplayText, renderStateText, replayCpuStates, replayDocument, replayDriverState, replayQueues, stateDocument, whatIfForTrace } from '../../replay/index.js';
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
  try {
    if (options.ringSize !== undefined || options.queues !== undefined) whatif = whatIfForTrace(model, observed, { ringSlots: options.ringSize, queues: options.queues, flowQueues: options.flowQueues });
  } catch (err) {
    if (err instanceof RangeError) throw new CliError(`--flow-queues: ${err.message}`);
    throw err;
  }
  const queues = replayDocument(timelines, whatif.filter((w) => options.queue === undefined || w.queue === options.queue), options.queue);
  const states = stateDocument(replayCpuStates(model), replayDriverState(model));
  const doc = { ...queues, ...states };
  if (options.json !== undefined) await writeOutput(options.json, `${JSON.stringify(doc, null, 2)}\n`);
  if (!options.quiet && options.json !== '-') await writeOutput('-', renderReplayText(queues) + renderStateText(states));
  return EXIT.ok;
}
