/*
 * The replay's event clock (loop.ts): one heap for every queue replayed together, so queues
 * whose backends slow each other (contention.ts) see one another's state at the same instant.
 */

/** A binary min-heap of events on (time, insertion order). */
export class Clock {
  private t: number[] = [];
  private seq: number[] = [];
  private kind: number[] = [];
  private arg: unknown[] = [];
  private n = 0;
  private next = 0;

  get size(): number {
    return this.n;
  }

  push(t: number, kind: number, arg: unknown): void {
    let i = this.n++;
    this.t[i] = t;
    this.seq[i] = this.next++;
    this.kind[i] = kind;
    this.arg[i] = arg;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  peekTime(): number {
    return this.n === 0 ? Infinity : this.t[0];
  }

  /** Removes the earliest event; returns [time, kind, arg]. */
  pop(): [number, number, unknown] {
    const top: [number, number, unknown] = [this.t[0], this.kind[0], this.arg[0]];
    this.n--;
    if (this.n > 0) {
      this.swap(0, this.n);
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.n && this.less(l, m)) m = l;
        if (r < this.n && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    return this.t[a] < this.t[b] || (this.t[a] === this.t[b] && this.seq[a] < this.seq[b]);
  }

  private swap(a: number, b: number): void {
    [this.t[a], this.t[b]] = [this.t[b], this.t[a]];
    [this.seq[a], this.seq[b]] = [this.seq[b], this.seq[a]];
    [this.kind[a], this.kind[b]] = [this.kind[b], this.kind[a]];
    [this.arg[a], this.arg[b]] = [this.arg[b], this.arg[a]];
  }
}
