import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { Option } from 'commander';
import type { TraceModel } from '../../model/trace-model.js';
import type { TracelensConfig } from '../../report/config.js';
import { CONFIG_FILE, ConfigError, mergeConfig, parseConfig } from '../../report/config.js';
import type { FindingSeverity } from '../../report/findings.js';
import { SettingsError, describeSettings, findingsDocument, parseDetectorSettings, renderJson, runDetectors } from '../../report/findings.js';
import { evaluateGate } from '../../report/gate.js';
import { RuleError, parseRule } from '../../report/rules.js';
import type { InputSummary } from '../../report/input-summary.js';
import { summarizeInput } from '../../report/input-summary.js';
import { renderText } from '../../report/text.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeOutput } from '../output.js';
import type { TraceInputOptions } from '../trace-input.js';
import { addTraceInputOptions, loadTraceInput, positiveInt } from '../trace-input.js';

interface AnalyzeOptions extends TraceInputOptions {
  json?: string;
  failOn?: FindingSeverity | 'none';
  failIf: string[];
  config?: string;
  junit?: string;
  markdown?: string;
  html?: string;
  ringSize?: number;
  queues?: number;
  quiet?: boolean;
  set: string[];
}

/** `tracelens analyze <file...>`: parse, summarise, detect; text to stdout, JSON on request. */
export function registerAnalyze(program: Command): void {
  const command = program
    .command('analyze')
    .description('read traces (perf script, perf.data, ftrace, trace.dat, xentrace, opreport; .gz; - for stdin), run the detectors, and summarise')
    .argument('<file...>', 'trace files; - reads stdin');
  addTraceInputOptions(command)
    .option('--json <path>', 'write the findings document (tracelens.findings/v1) to a file, or - for stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['info', 'warning', 'error', 'none']))
    .option('--fail-if <rule>', 'exit 1 when a rule over the findings holds, e.g. "irq-pinned.share > 0.9 && irq-pinned.rate_per_s > 1000" (repeatable)', collect, [])
    .option('--config <path>', `CI settings file (set, failOn, failIf); default ./${CONFIG_FILE} when present; flags override it`)
    .option('--junit <path>', 'write a JUnit XML report: one test case per detector (and per --fail-if rule)')
    .option('--markdown <path>', 'write a Markdown summary fit for a pull-request comment, or - for stdout')
    .option('--html <path>', 'write a self-contained HTML report (charts inlined, opens offline), or - for stdout')
    .option('--ring-size <slots>', 'with --html: what-if table — replay the senders against TX rings of this many slots (as `tracelens replay --ring-size`)', positiveInt)
    .option('--queues <n>', 'with --html: what-if table — replay with this many TX queues (as `tracelens replay --queues`)', positiveInt)
    .option('-q, --quiet', 'no text summary on stdout')
    .option('--set <detector.key=value>', 'override a detector threshold, e.g. irq-pinned.share_min=0.8 (repeatable)', collect, [])
    .addHelpText('after', `\nDetector settings (--set detector.key=value):\n${describeSettings().map((l) => `  ${l}`).join('\n')}`)
    .action(async (files: string[], options: AnalyzeOptions) => {
      process.exitCode = await analyze(files, options);
    });
}

async function analyze(files: string[], options: AnalyzeOptions): Promise<number> {
  if (files.filter((f) => f === '-').length > 1) throw new CliError('stdin (-) can be given only once');
  if ((options.ringSize !== undefined || options.queues !== undefined) && options.html === undefined) {
    throw new CliError('--ring-size and --queues fill the HTML report\'s what-if table: add --html PATH (or use tracelens replay)');
  }
  // The gate (config, settings, rules) is checked before any input is read: a typo should
  // not cost a 1 GB parse.
  const gate = mergeConfig(await loadConfig(options.config), { set: options.set, failOn: options.failOn, failIf: options.failIf });
  let settings;
  let rules;
  try {
    settings = parseDetectorSettings(gate.set);
    rules = gate.failIf.map((text) => ({ text, ast: parseRule(text) }));
  } catch (err) {
    if (err instanceof SettingsError || err instanceof RuleError) throw new CliError(err.message);
    throw err;
  }
  const loaded: { model: TraceModel; summary: InputSummary }[] = [];
  for (const path of files) {
    const model = await loadTraceInput(path, options);
    loaded.push({ model, summary: summarizeInput(model, path) });
    if (options.html !== undefined) {
      // The report charts the queues' full replay; made first, the ring-full detector reads it too.
      const { hasQueueEvents, replayQueues } = await import('../../replay/queues.js');
      if (hasQueueEvents(model)) replayQueues(model);
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
  const verdict = evaluateGate(findings, gate.failOn, rules);
  if (options.json !== undefined) await writeOutput(options.json, renderJson(findings));
  // Renderers load on demand: most runs want text or JSON, and each module costs startup time and memory.
  if (options.junit !== undefined) {
    const { renderJunit } = await import('../../report/junit.js');
    await writeOutput(options.junit, renderJunit(findings, verdict));
  }
  if (options.markdown !== undefined) {
    const { renderMarkdown } = await import('../../report/markdown.js');
    await writeOutput(options.markdown, renderMarkdown(findings, verdict));
  }
  if (options.html !== undefined) {
    const { renderHtml } = await import('../../report/html/index.js');
    const inputs = options.ringSize !== undefined || options.queues !== undefined ? await withWhatIf(loaded, options) : loaded;
    await writeOutput(options.html, renderHtml(findings, inputs));
  }
  const stdoutTaken = options.json === '-' || options.junit === '-' || options.markdown === '-' || options.html === '-';
  if (!options.quiet && !stdoutTaken) await writeOutput('-', renderText(findings.findings, loaded, findings.skipped));
  for (const r of verdict.rules) if (r.matched) process.stderr.write(`tracelens: --fail-if matched: ${r.rule}\n`);
  return verdict.failed ? EXIT.findings : EXIT.ok;
}

/** The what-if replays the HTML's table shows (opt-in: fitting the senders costs more than the report). */
async function withWhatIf(loaded: { model: TraceModel; summary: InputSummary }[], options: AnalyzeOptions) {
  const { replayDocument, replayQueues, whatIfForTrace } = await import('../../replay/index.js');
  return loaded.map((input) => {
    const observed = replayDocument(replayQueues(input.model)).queues;
    if (!observed.some((q) => q.kind === 'net')) return input;
    return { ...input, whatif: whatIfForTrace(input.model, observed, { ringSlots: options.ringSize, queues: options.queues }) };
  });
}

/** `--config PATH`, else ./tracelens.config.json when it exists, else nothing. */
async function loadConfig(path: string | undefined): Promise<TracelensConfig> {
  const file = path ?? CONFIG_FILE;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (path === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`${file}: cannot read the config file (${(err as Error).message})`);
  }
  try {
    return parseConfig(text, file);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
