/**
 * Merge per-vCPU streams, each already in time order, into one time-ordered sequence (what
 * `perf script` and the tracefs `trace` file print). A binary heap over stream cursors;
 * ties go to the lower stream index so the output never depends on heap internals.
 */
export interface TimedStream {
  t: Float64Array;
  n: number;
}

export function mergeByTime(streams: TimedStream[], visit: (stream: number, row: number) => void): void {
  const heap: number[] = [];
  const pos = new Int32Array(streams.length);
  const key = (s: number) => streams[s].t[pos[s]];
  const less = (a: number, b: number) => key(a) < key(b) || (key(a) === key(b) && a < b);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) return;
      const r = l + 1;
      const c = r < heap.length && less(heap[r], heap[l]) ? r : l;
      if (!less(heap[c], heap[i])) return;
      [heap[c], heap[i]] = [heap[i], heap[c]];
      i = c;
    }
  };
  for (let s = 0; s < streams.length; s++) if (streams[s].n > 0) heap.push(s);
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  while (heap.length > 0) {
    const s = heap[0];
    visit(s, pos[s]++);
    if (pos[s] >= streams[s].n) {
      const last = heap.pop() as number;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    down(0);
  }
}
