import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import type { FindingsDocument } from '../../report/findings.js';
import { DiffInputError, asFindingsDocument, diffFindings } from '../../report/diff.js';
import { renderDiffText } from '../../report/diff-text.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeOutput } from '../output.js';

interface DiffOptions {
  maxRegression: number;
  json?: string;
  quiet?: boolean;
}

/** `tracelens diff base.json head.json`: compare two findings documents; exit 1 on regression. */
export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('compare two findings documents (tracelens analyze --json): new, resolved and changed findings; exit 1 on regression')
    .argument('<base>', 'findings document of the baseline')
    .argument('<head>', 'findings document of the change under test')
    .option('--max-regression <pct>', 'a metric worsening by more than this percent of its base value is a regression', percent, 10)
    .option('--json <path>', 'write the diff (tracelens.diff/v1) to a file, or - for stdout')
    .option('-q, --quiet', 'no text on stdout')
    .action(async (basePath: string, headPath: string, options: DiffOptions) => {
      const base = await readDocument(basePath);
      const head = await readDocument(headPath);
      const diff = diffFindings(base, head, options.maxRegression);
      if (options.json !== undefined) await writeOutput(options.json, `${JSON.stringify(diff, null, 2)}\n`);
      if (!options.quiet && options.json !== '-') await writeOutput('-', renderDiffText(diff, basePath, headPath));
      process.exitCode = diff.regression ? EXIT.findings : EXIT.ok;
    });
}

async function readDocument(path: string): Promise<FindingsDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`${path}: cannot read (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return asFindingsDocument(raw, path);
  } catch (err) {
    if (err instanceof DiffInputError) throw new CliError(err.message);
    throw err;
  }
}

function percent(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a percentage ≥ 0');
  return n;
}
