/**
 * Merge per-vCPU streams, each already in time order, into one time-ordered sequence (what
 * `perf script` and the tracefs `trace` file print). A binary heap over stream cursors with
 * the cursors' next times cached beside it; ties go to the lower stream index so the output
 * never depends on heap internals.
 */
export interface TimedStream {
  t: Float64Array;
  n: number;
}

export function mergeByTime(streams: TimedStream[], visit: (stream: number, row: number) => void): void {
  const m = streams.length;
  const ids = new Int32Array(m);
  const keys = new Float64Array(m);
  const pos = new Int32Array(m);
  let size = 0;
  const before = (i: number, j: number) => keys[i] < keys[j] || (keys[i] === keys[j] && ids[i] < ids[j]);
  const swap = (i: number, j: number) => {
    const id = ids[i];
    ids[i] = ids[j];
    ids[j] = id;
    const k = keys[i];
    keys[i] = keys[j];
    keys[j] = k;
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const c = l + 1 < size && before(l + 1, l) ? l + 1 : l;
      if (!before(c, i)) return;
      swap(c, i);
      i = c;
    }
  };
  for (let s = 0; s < m; s++) {
    if (streams[s].n === 0) continue;
    ids[size] = s;
    keys[size++] = streams[s].t[0];
  }
  for (let i = (size >> 1) - 1; i >= 0; i--) down(i);
  while (size > 0) {
    const s = ids[0];
    const stream = streams[s];
    const t = stream.t;
    const n = stream.n;
    // Emit this stream's run of rows up to the runner-up's next time in one go.
    const limit = size > 1 ? Math.min(keys[1], size > 2 ? keys[2] : Infinity) : Infinity;
    let row = pos[s];
    do visit(s, row++);
    while (row < n && t[row] < limit);
    pos[s] = row;
    if (row < n) keys[0] = t[row];
    else {
      size--;
      ids[0] = ids[size];
      keys[0] = keys[size];
    }
    down(0);
  }
}
