import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Format, Generated, Scenario, SweepPoint } from '../../sim/index.js';
import { FORMAT_IDS, SCENARIO_NAMES, ScenarioError, generate, loadScenario, parseSweep, sweepQueues, withOverrides } from '../../sim/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeOutput } from '../output.js';
import { positiveInt } from '../trace-input.js';

interface SimulateOptions {
  scenario?: string;
  format?: Format;
  out?: string;
  seed: number;
  durationMs?: number;
  capture?: number;
  sweep?: string;
  json?: string;
  set: string[];
}

/** `tracelens simulate`: write a simulated trace and its ground truth, or print a throughput sweep. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('simulate a Xen host (PV network I/O) and write the trace as the real tools print it, with <out>.truth.json')
    .option('--scenario <name|file.json>', `a built-in scenario (choices: ${SCENARIO_NAMES.map((n) => `"${n}"`).join(', ')}) or a JSON scenario file`)
    .addOption(new Option('--format <id>', 'trace format to write').choices([...FORMAT_IDS]))
    .option('--out <path>', 'trace file to write (the truth goes to <path>.truth.json)')
    .option('--seed <n>', 'PRNG seed: same seed, same bytes', nonNegativeInt, 1)
    .option('--duration-ms <n>', 'simulated time (default: the scenario\'s)', positiveInt)
    .option('--capture <domid>', 'domain perf/ftrace record in (default: the scenario\'s)', nonNegativeInt)
    .option('--set <key=value>', 'override a scenario setting, e.g. xenoprof.report=callgraph, xentrace.lostEveryMs=10, ring.txSlots=64 (repeatable)', collect, [])
    .option('--sweep <spec>', 'throughput sweep instead of a trace: queues=1..8 (default scenario: multiqueue)')
    .option('--json <path>', 'with --sweep: also write [{ "queues", "gbps" }, …] to a file, or - for stdout')
    .action(async (options: SimulateOptions) => {
      process.exitCode = await simulateCommand(options);
    });
}

async function simulateCommand(o: SimulateOptions): Promise<number> {
  try {
    if (o.sweep !== undefined) return await sweep(o);
    if (o.json !== undefined) throw new CliError('--json goes with --sweep (a trace run writes <out>.truth.json)');
    if (o.format === undefined || o.out === undefined) throw new CliError('simulate needs --format and --out (or --sweep queues=A..B)');
    const s = scenarioOf(o, 'baseline');
    const g = generate(s, o.seed, o.format, o.out);
    await writeOutput('-', summary(s, o.seed, g));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ScenarioError) throw new CliError(err.message);
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) throw new CliError(err.message);
    throw err;
  }
}

function scenarioOf(o: SimulateOptions, fallback: string): Scenario {
  const s = loadScenario(o.scenario ?? fallback);
  const patch: Record<string, unknown> = {};
  if (o.durationMs !== undefined) {
    patch.durationMs = o.durationMs;
    // Keep the throughput warm-up inside a short run.
    if (s.warmupMs >= o.durationMs / 2) patch.warmupMs = Math.floor(o.durationMs / 10);
  }
  if (o.capture !== undefined) patch.capture = { domain: o.capture };
  for (const assignment of o.set) setPath(patch, assignment);
  return withOverrides(s, patch);
}

/** `a.b.c=value` into a patch object; the value is JSON when it parses as JSON, else a string. */
function setPath(patch: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new CliError(`--set expects key=value (got "${assignment}")`);
  const keys = assignment.slice(0, eq).split('.');
  const text = assignment.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // A bare word (callgraph, pv64, vcpu0) is a string.
  }
  let at = patch;
  for (const k of keys.slice(0, -1)) {
    if (typeof at[k] !== 'object' || at[k] === null) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function sweep(o: SimulateOptions): Promise<number> {
  if (o.format !== undefined || o.out !== undefined) throw new CliError('--sweep prints a throughput table; it takes no --format/--out');
  let spec: ReturnType<typeof parseSweep>;
  try {
    spec = parseSweep(o.sweep as string);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const s = scenarioOf(o, 'multiqueue');
  const points = sweepQueues(s, spec.values, o.seed);
  if (o.json !== undefined) await writeOutput(o.json, `${JSON.stringify(points)}\n`);
  if (o.json !== '-') await writeOutput('-', table(s, o.seed, points));
  return EXIT.ok;
}

function table(s: Scenario, seed: number, points: SweepPoint[]): string {
  const f = s.flows;
  const lines = [
    `${s.name}: ${f.count} TCP streams guest ${f.from} → guest ${f.to}, ${s.durationMs} ms simulated per point, seed ${seed}`,
    'queues   Gb/s',
    ...points.map((p) => `${String(p.queues).padStart(6)}  ${p.gbps.toFixed(1).padStart(5)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function summary(s: Scenario, seed: number, g: Generated): string {
  const w = g.written;
  const ms = g.simulateMs + g.writeMs;
  const lines = [
    `simulated ${s.name} (seed ${seed}, ${s.durationMs} ms): ${g.run.gbps.toFixed(1)} Gb/s goodput`,
    `wrote ${w.path}: ${w.format}, ${w.records} records, ${(w.bytes / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms (simulate ${g.simulateMs.toFixed(0)}, write ${g.writeMs.toFixed(0)})`,
    `truth ${g.truthPath}: ${g.truth.pathologies.length === 0 ? 'no pathology' : g.truth.pathologies.map((p) => `${p.detector} ${JSON.stringify(p.metrics)}`).join('; ')}`,
  ];
  if (g.truth.unobservable.length > 0) lines.push(`not visible in this trace: ${[...new Set(g.truth.unobservable.map((u) => u.detector))].join(', ')} (see the truth file)`);
  if (w.format === 'xentrace') lines.push(`xentrace has no clock rate: analyze with --cpu-hz ${w.meta.cpu_hz}`);
  return `${lines.join('\n')}\n`;
}

function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer ≥ 0');
  return n;
}
