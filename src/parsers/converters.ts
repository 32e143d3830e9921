import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { InputError } from './input/source.js';

/**
 * Binary captures that a tool of the trace's own ecosystem renders as text we parse:
 * `perf.data` through `perf script`, `trace.dat` through `trace-cmd report`. The tool's
 * stdout is streamed, never buffered whole.
 */
export interface Converter {
  id: string;
  magic: Buffer;
  command: string;
  args(path: string): string[];
  /** The text format the command prints. */
  format: string;
  hint: string;
}

export const CONVERTERS: Converter[] = [
  {
    id: 'perf.data',
    magic: Buffer.from('PERFILE2'),
    command: 'perf',
    args: (path) => ['script', '-i', path],
    format: 'perf-script',
    hint: 'install perf (Debian: linux-perf) or run `perf script -i FILE > FILE.txt` where it is installed and pass the text',
  },
  {
    id: 'trace.dat',
    // trace-cmd's file magic: 0x17 0x08 0x44 then "tracing" (the version string follows).
    magic: Buffer.concat([Buffer.from([0x17, 0x08, 0x44]), Buffer.from('tracing')]),
    command: 'trace-cmd',
    args: (path) => ['report', '-i', path],
    format: 'ftrace',
    hint: 'install trace-cmd (Debian: trace-cmd) or run `trace-cmd report -i FILE > FILE.txt` where it is installed and pass the text',
  },
];

export function findConverter(head: Buffer): Converter | undefined {
  return CONVERTERS.find((c) => head.length >= c.magic.length && head.subarray(0, c.magic.length).equals(c.magic));
}

export interface ConvertedStream {
  stdout: Readable;
  /** Resolves when the tool exits; rejects with its stderr when it fails. */
  done: Promise<void>;
}

export function runConverter(converter: Converter, path: string): Promise<ConvertedStream> {
  if (path === '-') throw new InputError(path, `${converter.id} on stdin is not supported: pass it as a file`);
  return new Promise((resolve, reject) => {
    const child = spawn(converter.command, converter.args(path), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? `\`${converter.command}\` is not on PATH` : err.message;
      reject(new InputError(path, `is a binary ${converter.id} file and ${why}: ${converter.hint}`));
    });
    child.once('spawn', () => {
      const done = new Promise<void>((ok, fail) =>
        child.once('close', (code) =>
          code === 0 ? ok() : fail(new InputError(path, `\`${converter.command} ${converter.args(path).join(' ')}\` failed (exit ${code}): ${stderr.trim()}`)),
        ),
      );
      resolve({ stdout: child.stdout, done });
    });
  });
}
