/**
 * Progress on stderr for big inputs, only when stderr is a terminal (never in pipes or
 * CI logs). Redraws at most every 250 ms, starting once an input passes 32 MB.
 */
const MIN_BYTES = 32 << 20;
const EVERY_MS = 250;

export function progressReporter(label: string): { update(bytes: number): void; done(): void } {
  const stream = process.stderr;
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(bytes: number) {
      const now = Date.now();
      if (bytes < MIN_BYTES || now - last < EVERY_MS) return;
      last = now;
      shown = true;
      const mb = bytes / 1e6;
      const rate = mb / Math.max((now - started) / 1000, 0.001);
      stream.write(`\r${label}: ${mb.toFixed(0)} MB read, ${rate.toFixed(0)} MB/s   `);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
