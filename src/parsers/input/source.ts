import { open } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Bytes the format sniffers see. A KiB is enough for every format and cheap to test. */
export const SNIFF_BYTES = 4096;
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * One input, opened for streaming: a path, `-` (the caller passes stdin), or a `.gz`
 * of either (recognised by its magic bytes, not its name). The head is peeked for
 * sniffing and then replayed, so nothing is read twice.
 */
export interface InputSource {
  /** As the user named it (`-` for stdin). */
  readonly path: string;
  /** First bytes of the decoded stream. */
  readonly head: Buffer;
  readonly compressed: boolean;
  /** Decoded bytes delivered so far (equals the text size once chunks() is drained). */
  readonly bytesRead: number;
  /** Set when a compressed stream ended early: what was readable has been delivered. */
  readonly truncated: string | null;
  chunks(): AsyncIterable<Buffer>;
  /** Stop reading and release the file (the input is replaced by a converter's output). */
  close(): Promise<void>;
}

export interface OpenOptions {
  chunkBytes?: number;
  /** The stream to read when path is `-`. */
  stdin?: Readable;
}

export class InputError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'InputError';
  }
}

export async function openInput(path: string, options: OpenOptions = {}): Promise<InputSource> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  let raw: AsyncIterable<Buffer>;
  if (path === '-') {
    if (options.stdin === undefined) throw new InputError(path, 'no stdin stream given');
    raw = options.stdin;
  } else {
    try {
      const info = await stat(path);
      if (info.isDirectory()) throw new InputError(path, 'is a directory, not a trace file');
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(path, `cannot open: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    raw = readReusing(path, chunkBytes);
  }
  return StreamSource.open(path, raw, chunkBytes);
}

/** Wrap an already-open byte stream (used for converter output such as `perf script`). */
export async function sourceFromStream(path: string, stream: Readable, chunkBytes = DEFAULT_CHUNK_BYTES) {
  return StreamSource.open(path, stream, chunkBytes);
}

class StreamSource implements InputSource {
  head = Buffer.alloc(0);
  bytesRead = 0;
  truncated: string | null = null;
  private readonly pending: Buffer[] = [];
  private exhausted = false;

  private constructor(
    readonly path: string,
    readonly compressed: boolean,
    private readonly rest: AsyncIterator<Buffer>,
    private readonly chunkBytes: number,
  ) {}

  static async open(path: string, raw: AsyncIterable<Buffer>, chunkBytes: number): Promise<StreamSource> {
    const rawIt = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await rawIt.next();
    const firstChunk: Buffer = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
    const compressed = firstChunk.length >= 2 && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b;
    if (!compressed) {
      const source = new StreamSource(path, false, rawIt, chunkBytes);
      if (firstChunk.length > 0) source.pending.push(firstChunk);
      source.exhausted = first.done === true;
      return source.peekHead();
    }
    const gunzip = createGunzip({ chunkSize: Math.min(chunkBytes, 1 << 20) });
    feed(firstChunk, first.done === true, rawIt, gunzip);
    return new StreamSource(path, true, gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>, chunkBytes).peekHead();
  }

  /** Read until SNIFF_BYTES are buffered (or EOF); the buffered chunks are replayed by chunks(). */
  private async peekHead(): Promise<StreamSource> {
    let have = this.pending.reduce((n, b) => n + b.length, 0);
    while (have < SNIFF_BYTES && !this.exhausted) {
      const next = await this.nextRaw();
      if (next === null) this.exhausted = true;
      else {
        this.pending.push(Buffer.from(next)); // kept past the next read: copy
        have += next.length;
      }
    }
    this.head = Buffer.concat(this.pending).subarray(0, SNIFF_BYTES);
    return this;
  }

  private async nextRaw(): Promise<Buffer | null> {
    try {
      const r = await this.rest.next();
      return r.done ? null : r.value;
    } catch (err) {
      // A gzip stream cut short: keep what was decoded and report the loss.
      if (this.compressed) {
        this.truncated = `compressed stream ended early (${(err as Error).message})`;
        return null;
      }
      throw new InputError(this.path, `read failed: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.exhausted = true;
    this.pending.length = 0;
    await this.rest.return?.();
  }

  async *chunks(): AsyncIterable<Buffer> {
    for (const b of this.pending.splice(0)) yield* this.split(b);
    if (this.exhausted) return;
    for (let b = await this.nextRaw(); b !== null; b = await this.nextRaw()) yield* this.split(b);
  }

  /** Respect the requested chunk size even when the stream hands us larger buffers (tests use tiny ones). */
  private *split(b: Buffer): Iterable<Buffer> {
    for (let off = 0; off < b.length; off += this.chunkBytes) {
      const part = b.subarray(off, Math.min(b.length, off + this.chunkBytes));
      this.bytesRead += part.length;
      yield part;
    }
  }
}

/**
 * Read a file into two alternating buffers: the next read is in flight while the parser
 * works on the current chunk. Every consumer handles a chunk synchronously and copies
 * what it keeps, so reuse is safe, and it spares the GC a fresh megabyte per chunk (which
 * otherwise shows up as peak RSS on big inputs).
 */
async function* readReusing(path: string, chunkBytes: number): AsyncIterable<Buffer> {
  const fh = await open(path, 'r');
  const buffers = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)];
  let which = 0;
  let pending = fh.read(buffers[which], 0, chunkBytes, null);
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return;
      which ^= 1;
      pending = fh.read(buffers[which], 0, chunkBytes, null);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // A consumer that stops early (strict mode) leaves one read in flight: let it land first.
    await pending.catch(() => undefined);
    await fh.close();
  }
}

/** Push the raw stream into gunzip with backpressure, starting with the already-read first chunk. */
function feed(first: Buffer, rawDone: boolean, rawIt: AsyncIterator<Buffer>, gunzip: NodeJS.WritableStream & NodeJS.EventEmitter): void {
  const pump = async () => {
    const write = (b: Buffer) => new Promise<void>((resolve) => (gunzip.write(Buffer.from(b)) ? resolve() : gunzip.once('drain', resolve)));
    if (first.length > 0) await write(first);
    if (!rawDone) for (let r = await rawIt.next(); !r.done; r = await rawIt.next()) await write(r.value);
    gunzip.end();
  };
  pump().catch((err) => gunzip.emit('error', err));
}
