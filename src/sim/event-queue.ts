/**
 * The discrete-event queue: a binary min-heap on (time, insertion order). Ties are broken by
 * insertion order so that a run never depends on heap internals: same seed, same order.
 * Entries are parallel arrays rather than objects, because a long run pushes millions.
 */
export interface Actor {
  /** Called when an entry for this actor comes due; `arg` says which of its events it is. */
  fire(t: number, arg: number): void;
}

export class EventQueue {
  private times = new Float64Array(1024);
  private order = new Float64Array(1024);
  private args = new Int32Array(1024);
  private actors: Actor[] = [];
  private size = 0;
  private counter = 0;
  now = 0;

  get length(): number {
    return this.size;
  }

  push(t: number, actor: Actor, arg = 0): void {
    if (t < this.now) throw new Error(`event scheduled in the past (${t} < ${this.now})`);
    if (this.size === this.times.length) this.grow();
    let i = this.size++;
    const seq = this.counter++;
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.times[p] < t || (this.times[p] === t && this.order[p] < seq)) break;
      this.move(p, i);
      i = p;
    }
    this.times[i] = t;
    this.order[i] = seq;
    this.args[i] = arg;
    this.actors[i] = actor;
  }

  /** Run events in order until the queue is empty or the next one is after `until`. */
  run(until: number): void {
    while (this.size > 0 && this.times[0] <= until) {
      const t = this.times[0];
      const actor = this.actors[0];
      const arg = this.args[0];
      this.popTop();
      this.now = t;
      actor.fire(t, arg);
    }
    this.now = until;
  }

  private popTop(): void {
    const last = --this.size;
    if (last === 0) return;
    const t = this.times[last];
    const seq = this.order[last];
    const arg = this.args[last];
    const actor = this.actors[last];
    let i = 0;
    // Sift the last entry down from the root.
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      const r = c + 1;
      if (r < last && (this.times[r] < this.times[c] || (this.times[r] === this.times[c] && this.order[r] < this.order[c]))) c = r;
      if (t < this.times[c] || (t === this.times[c] && seq < this.order[c])) break;
      this.move(c, i);
      i = c;
    }
    this.times[i] = t;
    this.order[i] = seq;
    this.args[i] = arg;
    this.actors[i] = actor;
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from];
    this.order[to] = this.order[from];
    this.args[to] = this.args[from];
    this.actors[to] = this.actors[from];
  }

  private grow(): void {
    const n = this.times.length * 2;
    const t = new Float64Array(n);
    t.set(this.times);
    this.times = t;
    const o = new Float64Array(n);
    o.set(this.order);
    this.order = o;
    const a = new Int32Array(n);
    a.set(this.args);
    this.args = a;
  }
}
