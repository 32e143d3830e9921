/**
 * Splits a chunk stream into lines without ever building one big string: each line is
 * handed over as (buffer, start, end) into the chunk it lives in. Only a line that
 * straddles two chunks is copied. A trailing `\r` is dropped (CRLF files).
 */
export interface LineSink {
  /** `end` excludes the newline. `lineNo` is 1-based. */
  line(buf: Buffer, start: number, end: number, lineNo: number): void;
}

export class LineSplitter {
  // Pieces of a line that spans chunks, joined once its newline arrives.
  private carry: Buffer[] = [];
  private lineNo = 0;

  constructor(private readonly sink: LineSink) {}

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.carry.length > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.carry.push(Buffer.from(chunk));
        return;
      }
      this.carry.push(chunk.subarray(0, nl));
      const joined = Buffer.concat(this.carry);
      this.carry = [];
      this.emit(joined, 0, joined.length);
      pos = nl + 1;
    }
    const n = chunk.length;
    while (pos < n) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        // Copied: the reader may reuse the chunk's memory.
        this.carry.push(Buffer.from(chunk.subarray(pos)));
        return;
      }
      this.emit(chunk, pos, nl);
      pos = nl + 1;
    }
  }

  /** Flush a final line that had no newline. */
  end(): void {
    const rest = Buffer.concat(this.carry);
    this.carry = [];
    if (rest.length > 0) this.emit(rest, 0, rest.length);
  }

  get linesSeen(): number {
    return this.lineNo;
  }

  private emit(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === 13) end--;
    this.sink.line(buf, start, end, ++this.lineNo);
  }
}
