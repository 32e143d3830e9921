import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { StrictModeError } from '../../model/diagnostics.js';
import type { TraceModel } from '../../model/trace-model.js';
import { FORMATS, InputError, loadTrace } from '../../parsers/index.js';
import type { FindingSeverity } from '../../report/findings.js';
import { SEVERITY_RANK, SettingsError, describeSettings, findingsDocument, parseDetectorSettings, renderJson, runDetectors } from '../../report/findings.js';
import type { InputSummary } from '../../report/input-summary.js';
import { summarizeInput } from '../../report/input-summary.js';
import { renderText } from '../../report/text.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeOutput } from '../output.js';
import { progressReporter } from '../progress.js';

interface AnalyzeOptions {
  format?: string;
  strict?: boolean;
  json?: string;
  failOn: FindingSeverity | 'none';
  quiet?: boolean;
  cpuHz?: number;
  cpuMhz?: number;
  set: string[];
}

/** `tracelens analyze <file...>`: parse, summarise, detect; text to stdout, JSON on request. */
export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('read traces (perf script text, perf.data, ftrace, .gz, - for stdin), run the detectors, and summarise')
    .argument('<file...>', 'trace files; - reads stdin')
    .addOption(new Option('--format <id>', 'skip format detection').choices(FORMATS.map((f) => f.id)))
    .option('--strict', 'treat the first malformed record as fatal (exit 2)')
    .option('--json <path>', 'write the findings document (tracelens.findings/v1) to a file, or - for stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['info', 'warning', 'error', 'none']).default('none'))
    .option('-q, --quiet', 'no text summary on stdout')
    .option('--cpu-hz <hz>', 'TSC frequency for xentrace timestamps (xl info: cpu_mhz × 1e6)', positiveNumber)
    .option('--cpu-mhz <mhz>', 'the same in MHz', positiveNumber)
    .option('--set <detector.key=value>', 'override a detector threshold, e.g. irq-pinned.share_min=0.8 (repeatable)', collect, [])
    .addHelpText('after', `\nDetector settings (--set detector.key=value):\n${describeSettings().map((l) => `  ${l}`).join('\n')}`)
    .action(async (files: string[], options: AnalyzeOptions) => {
      process.exitCode = await analyze(files, options);
    });
}

async function analyze(files: string[], options: AnalyzeOptions): Promise<number> {
  if (files.filter((f) => f === '-').length > 1) throw new CliError('stdin (-) can be given only once');
  if (options.cpuHz !== undefined && options.cpuMhz !== undefined) throw new CliError('give --cpu-hz or --cpu-mhz, not both');
  const cpuHz = options.cpuHz ?? (options.cpuMhz !== undefined ? options.cpuMhz * 1e6 : undefined);
  // Settings are checked before any input is read: a typo should not cost a 1 GB parse.
  let settings;
  try {
    settings = parseDetectorSettings(options.set);
  } catch (err) {
    if (err instanceof SettingsError) throw new CliError(err.message);
    throw err;
  }
  const loaded: { model: TraceModel; summary: InputSummary }[] = [];
  for (const path of files) {
    const progress = progressReporter(path);
    try {
      const model = await loadTrace(path, { format: options.format, strict: options.strict, stdin: process.stdin, onProgress: progress.update, cpuHz });
      loaded.push({ model, summary: summarizeInput(model, path) });
    } catch (err) {
      if (err instanceof StrictModeError) throw new CliError(`${err.message}\n(--strict: stopping at the first malformed record)`);
      if (err instanceof InputError) throw new CliError(err.message);
      throw err;
    } finally {
      progress.done();
    }
  }
  const { findings: found, skipped } = runDetectors(
    loaded.map((l) => l.model),
    settings,
  );
  const findings = findingsDocument(
    loaded.map((l) => l.summary),
    found,
    skipped,
  );
  if (options.json !== undefined) await writeOutput(options.json, renderJson(findings));
  if (!options.quiet && options.json !== '-') await writeOutput('-', renderText(findings.findings, loaded, findings.skipped));
  if (options.failOn === 'none') return EXIT.ok;
  const threshold = SEVERITY_RANK[options.failOn];
  return findings.findings.some((f) => SEVERITY_RANK[f.severity] >= threshold) ? EXIT.findings : EXIT.ok;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a positive number');
  return n;
}
