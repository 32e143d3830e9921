import type { Readable } from 'node:stream';
import { TraceBuilder } from '../model/builder.js';
import { Diagnostics } from '../model/diagnostics.js';
import type { TraceModel } from '../model/trace-model.js';
import { findConverter, runConverter } from './converters.js';
import type { TraceFormat } from './format.js';
import type { InputSource } from './input/source.js';
import { InputError, openInput, sourceFromStream } from './input/source.js';
import { FORMATS, formatById, sniffFormat } from './registry.js';

export interface LoadOptions {
  /** Skip sniffing and use this format id. */
  format?: string;
  /** Make the first malformed record fatal (StrictModeError). */
  strict?: boolean;
  chunkBytes?: number;
  stdin?: Readable;
  onProgress?(bytes: number): void;
  /** TSC frequency in Hz for cycle-timed formats (xentrace `--cpu-hz`). */
  cpuHz?: number;
}

export class UnrecognisedInputError extends InputError {
  constructor(path: string, head: Buffer) {
    const tried = FORMATS.map((f) => f.id).join(', ');
    const firstLine = head.toString('latin1').split('\n')[0].slice(0, 80);
    super(path, `not a recognised trace (tried: ${tried}); first line: ${JSON.stringify(firstLine)}. Use --format to force one.`);
    this.name = 'UnrecognisedInputError';
  }
}

/** Open, sniff, and parse one input into a model. Throws InputError for unusable input. */
export async function loadTrace(path: string, options: LoadOptions = {}): Promise<TraceModel> {
  let input: InputSource = await openInput(path, { chunkBytes: options.chunkBytes, stdin: options.stdin });
  // The converter's exit, caught at once: it may fail (a damaged perf.data) while its output is still being parsed.
  let finished: Promise<InputError | null> = Promise.resolve(null);
  const converter = findConverter(input.head);
  let via: string | null = null;
  if (converter !== undefined) {
    await input.close(); // the converter reads the file itself
    const converted = await runConverter(converter, path);
    finished = converted.done.then(
      () => null,
      (err: InputError) => err,
    );
    input = await sourceFromStream(path, converted.stdout, options.chunkBytes);
    via = `${converter.command} ${converter.args(path).join(' ')}`;
  }
  const format = chooseFormat(input, options.format, converter?.format);
  const builder = new TraceBuilder(new Diagnostics(options.strict ?? false, path), format.id, path);
  if (via !== null) builder.meta.header['converted by'] = via;
  await format.parse(input, builder, { onProgress: options.onProgress, cpuHz: options.cpuHz });
  const failed = await finished;
  if (failed !== null) {
    // A converter that stopped on damage has printed what it could read: keep that, as for a truncated file.
    if (builder.events.length + builder.samples.length === 0) throw failed;
    const why = failed.message.slice(failed.path.length + 2).replace(/\s+/g, ' ').slice(0, 300);
    builder.diagnostics.report('input/converter-failed', 'warning', `${why}; kept the records it printed before it stopped`);
  }
  builder.meta.sourceBytes = input.bytesRead;
  if (input.truncated !== null) {
    builder.diagnostics.report('input/truncated', 'warning', `input is truncated: ${input.truncated}; parsed what was readable`, {
      byteOffset: input.bytesRead,
    });
  }
  return builder.finish();
}

function chooseFormat(input: InputSource, forced: string | undefined, converted: string | undefined): TraceFormat {
  const id = forced ?? converted;
  if (id !== undefined) {
    const format = formatById(id);
    if (format === undefined) throw new InputError(input.path, `unknown format "${id}" (known: ${FORMATS.map((f) => f.id).join(', ')})`);
    return format;
  }
  if (input.head.length === 0) throw new InputError(input.path, 'is empty');
  const format = sniffFormat(input.head);
  if (format === undefined) throw new UnrecognisedInputError(input.path, input.head);
  return format;
}
