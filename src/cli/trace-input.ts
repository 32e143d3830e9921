import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { StrictModeError } from '../model/diagnostics.js';
import type { TraceModel } from '../model/trace-model.js';
import { FORMATS, InputError, loadTrace } from '../parsers/index.js';
import { CliError } from './exit-codes.js';
import { progressReporter } from './progress.js';

/** The options every command that reads a trace shares. */
export interface TraceInputOptions {
  format?: string;
  strict?: boolean;
  cpuHz?: number;
  cpuMhz?: number;
}

export function addTraceInputOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <id>', 'skip format detection').choices(FORMATS.map((f) => f.id)))
    .option('--strict', 'treat the first malformed record as fatal (exit 2)')
    .option('--cpu-hz <hz>', 'TSC frequency for xentrace timestamps (xl info: cpu_mhz × 1e6)', positiveNumber)
    .option('--cpu-mhz <mhz>', 'the same in MHz', positiveNumber);
}

/**
 * Load one trace for a command: progress on a terminal, and input problems turned into
 * user-facing errors (exit 2) that name the file, line or byte.
 */
export async function loadTraceInput(path: string, options: TraceInputOptions): Promise<TraceModel> {
  if (options.cpuHz !== undefined && options.cpuMhz !== undefined) throw new CliError('give --cpu-hz or --cpu-mhz, not both');
  const cpuHz = options.cpuHz ?? (options.cpuMhz !== undefined ? options.cpuMhz * 1e6 : undefined);
  const progress = progressReporter(path);
  try {
    return await loadTrace(path, { format: options.format, strict: options.strict, stdin: process.stdin, onProgress: progress.update, cpuHz });
  } catch (err) {
    if (err instanceof StrictModeError) throw new CliError(`${err.message}\n(--strict: stopping at the first malformed record)`);
    if (err instanceof InputError) throw new CliError(err.message);
    throw err;
  } finally {
    progress.done();
  }
}

export function positiveNumber(text: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
