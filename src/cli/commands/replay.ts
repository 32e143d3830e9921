import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { StrictModeError } from '../../model/diagnostics.js';
import type { TraceModel } from '../../model/trace-model.js';
import { FORMATS, InputError, loadTrace } from '../../parsers/index.js';
import { renderReplayText, replayDocument, replayQueues, whatIfForTrace } from '../../replay/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeOutput } from '../output.js';
import { progressReporter } from '../progress.js';

interface ReplayOptions {
  format?: string;
  strict?: boolean;
  json?: string;
  queue?: string;
  quiet?: boolean;
  cpuHz?: number;
  cpuMhz?: number;
  ringSize?: number;
  queues?: number;
}

/** `tracelens replay <trace>`: queue timelines (occupancy, stalls, batching, unmatched items) per queue. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('reconstruct per-queue occupancy, stalls, batching and throughput from net/skb/block events')
    .argument('<file>', 'trace file; - reads stdin')
    .addOption(new Option('--format <id>', 'skip format detection').choices(FORMATS.map((f) => f.id)))
    .option('--strict', 'treat the first malformed record as fatal (exit 2)')
    .option('--queue <name>', 'only this queue (as printed, e.g. eth0-q1, lo, "block 8,0")')
    .option('--ring-size <slots>', 'what-if: replay the senders against TX rings of this many slots', positiveInt)
    .option('--queues <n>', 'what-if: replay with this many TX queues, the flows dealt over them', positiveInt)
    .option('--json <path>', 'write the tracelens.replay/v1 document to a file, or - for stdout')
    .option('-q, --quiet', 'no table on stdout')
    .option('--cpu-hz <hz>', 'TSC frequency for xentrace timestamps', positiveNumber)
    .option('--cpu-mhz <mhz>', 'the same in MHz', positiveNumber)
    .action(async (file: string, options: ReplayOptions) => {
      process.exitCode = await replay(file, options);
    });
}

async function replay(path: string, options: ReplayOptions): Promise<number> {
  if (options.cpuHz !== undefined && options.cpuMhz !== undefined) throw new CliError('give --cpu-hz or --cpu-mhz, not both');
  const cpuHz = options.cpuHz ?? (options.cpuMhz !== undefined ? options.cpuMhz * 1e6 : undefined);
  const progress = progressReporter(path);
  let model: TraceModel;
  try {
    model = await loadTrace(path, { format: options.format, strict: options.strict, stdin: process.stdin, onProgress: progress.update, cpuHz });
  } catch (err) {
    if (err instanceof StrictModeError) throw new CliError(`${err.message}\n(--strict: stopping at the first malformed record)`);
    if (err instanceof InputError) throw new CliError(err.message);
    throw err;
  } finally {
    progress.done();
  }
  const timelines = replayQueues(model);
  if (options.queue !== undefined && !timelines.queues.some((q) => q.name === options.queue)) {
    const known = timelines.queues.map((q) => q.name).sort();
    throw new CliError(`${path}: no queue ${JSON.stringify(options.queue)}; queues: ${known.length > 0 ? known.join(', ') : 'none'}`);
  }
  const observed = replayDocument(timelines).queues;
  // The what-if predicts every queue (re-hashing changes them all); --queue narrows what is shown.
  const whatif = options.ringSize === undefined && options.queues === undefined ? [] : whatIfForTrace(model, observed, { ringSlots: options.ringSize, queues: options.queues });
  const doc = replayDocument(timelines, whatif.filter((w) => options.queue === undefined || w.queue === options.queue), options.queue);
  if (options.json !== undefined) await writeOutput(options.json, `${JSON.stringify(doc, null, 2)}\n`);
  if (!options.quiet && options.json !== '-') await writeOutput('-', renderReplayText(doc));
  return EXIT.ok;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a positive number');
  return n;
}
