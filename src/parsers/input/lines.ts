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
  private carry: Buffer | null = null;
  private lineNo = 0;

  constructor(private readonly sink: LineSink) {}

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.carry !== null) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const joined = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
      this.carry = null;
      this.emit(joined, 0, joined.length);
      pos = nl + 1;
    }
    const n = chunk.length;
    while (pos < n) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        this.carry = Buffer.from(chunk.subarray(pos));
        return;
      }
      this.emit(chunk, pos, nl);
      pos = nl + 1;
    }
  }

  /** Flush a final line that had no newline. */
  end(): void {
    if (this.carry !== null && this.carry.length > 0) this.emit(this.carry, 0, this.carry.length);
    this.carry = null;
  }

  get linesSeen(): number {
    return this.lineNo;
  }

  private emit(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === 13) end--;
    this.sink.line(buf, start, end, ++this.lineNo);
  }
}
