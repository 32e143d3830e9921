/**
 * Threads with synthetic ids (utid). Kernel tids are reused, and the same tid may appear
 * under a new comm after exec, so a utid is keyed by (tid, comm). pid is filled in when
 * any record prints it.
 */
export interface ThreadRow {
  utid: number;
  tid: number;
  pid: number;
  comm: string;
}

export class ThreadTable {
  readonly rows: ThreadRow[] = [];
  private readonly byKey = new Map<string, number>();
  // One-entry cache: consecutive records very often come from the same thread.
  private lastTid = NaN;
  private lastComm = '';
  private lastUtid = -1;

  utid(tid: number, pid: number, comm: string): number {
    if (tid === this.lastTid && comm === this.lastComm) {
      if (pid >= 0) this.rows[this.lastUtid].pid = pid;
      return this.lastUtid;
    }
    const key = `${tid}\u0000${comm}`;
    let utid = this.byKey.get(key);
    if (utid === undefined) {
      utid = this.rows.length;
      this.rows.push({ utid, tid, pid, comm });
      this.byKey.set(key, utid);
    } else if (pid >= 0) {
      this.rows[utid].pid = pid;
    }
    this.lastTid = tid;
    this.lastComm = comm;
    this.lastUtid = utid;
    return utid;
  }
}
