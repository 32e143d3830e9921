import { Command, CommanderError } from 'commander';
import { TOOL } from '../report/findings.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerDiff } from './commands/diff.js';
import { registerReplay } from './commands/replay.js';
import { registerSimulate } from './commands/simulate.js';
import { CliError, EXIT } from './exit-codes.js';

/** Every command registers itself here: one file per command under commands/. */
const COMMANDS = [registerAnalyze, registerSimulate, registerReplay, registerDiff];

export async function main(argv: string[]): Promise<number> {
  const program = new Command('tracelens')
    .description('Offline kernel-trace analysis for Xen and KVM network I/O')
    .version(TOOL.version)
    .exitOverride()
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0 through here; real usage errors are already printed.
      return err.exitCode === 0 ? EXIT.ok : EXIT.input;
    }
    if (err instanceof CliError) {
      process.stderr.write(`tracelens: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
