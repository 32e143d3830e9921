/**
 * Cache-flush requests of block devices. A flush carries no data, so it has no sector to be
 * matched by: it is issued as `FF … 0 + 0` at sector 0 and completes at sector (u64)-1, while
 * the write that asked for it (REQ_PREFLUSH) completes as `W… () 0 + 0`. The kernel can have
 * several in flight (pre- and post-flush of one fsync), so they are matched first in, first out,
 * per device. An insert followed by the issue of the same flush counts once.
 */
export function isFlush(sector: number, size: number): boolean {
  return size === 0 && (sector === 0 || sector >= 2 ** 63);
}

export class Flushes {
  private readonly issued = new Map<number, number[]>(); // device string id → issue times, oldest first
  private readonly inserted = new Map<number, number>(); // device → flushes inserted but not issued yet

  /** `isInsert(nameId)`: the event is block_rq_insert rather than block_rq_issue. */
  constructor(private readonly isInsert: (name: number) => boolean) {}

  /** A flush insert or issue at `t`; false when it is the issue of a flush already counted at its insert. */
  issue(dev: number, t: number, name: number): boolean {
    const waiting = this.inserted.get(dev) ?? 0;
    if (this.isInsert(name)) this.inserted.set(dev, waiting + 1);
    else if (waiting > 0) {
      this.inserted.set(dev, waiting - 1);
      return false;
    }
    let live = this.issued.get(dev);
    if (live === undefined) this.issued.set(dev, (live = []));
    live.push(t);
    return true;
  }

  /** The issue time of the oldest live flush of `dev`, which this completion ends; undefined when none. */
  complete(dev: number): number | undefined {
    return this.issued.get(dev)?.shift();
  }

  /** Flushes still live at the end: [device, issue time]. */
  live(): [number, number][] {
    return [...this.issued].flatMap(([dev, times]) => times.map((t): [number, number] => [dev, t]));
  }
}
