import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Buffered, synchronous file output. Text is gathered into ~256 KiB strings before each
 * write: V8 concatenates short strings cheaply and one large write per chunk keeps the
 * writers at millions of records per second.
 */
export class FileSink {
  private readonly fd: number;
  private pending = '';
  bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  text(s: string): void {
    this.pending += s;
    if (this.pending.length >= 1 << 18) this.flush();
  }

  binary(b: Uint8Array): void {
    this.flush();
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
    this.bytes += b.length;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const buf = Buffer.from(this.pending, 'latin1');
    this.pending = '';
    this.binary(buf);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
