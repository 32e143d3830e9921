/** The exit codes people script against (DESIGN §8). */
export const EXIT = {
  ok: 0,
  /** A finding at or above --fail-on (or a regression in `diff`). */
  findings: 1,
  /** Usage error, unreadable or unrecognisable input, or a malformed record under --strict. */
  input: 2,
} as const;

/** An error whose message is for the user as is, with the exit code to leave with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.input,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
