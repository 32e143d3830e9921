/**
 * Fast byte → string for the hot paths. `latin1Slice` is the primitive behind
 * `toString('latin1')` without its argument checks; it maps bytes 1:1, so it is safe
 * for ASCII keys and lookups (UTF-8 text is decoded properly where it is kept).
 */
type FastBuffer = Buffer & { latin1Slice(start: number, end: number): string };

export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as FastBuffer).latin1Slice(start, end);
}
