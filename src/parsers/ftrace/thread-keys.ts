import type { ThreadTable } from '../../model/threads.js';
import { ByteKeyMap } from '../input/byte-key-map.js';

/**
 * `comm-pid` → utid, looked up by the bytes before any string is made. Consecutive records
 * usually come from the same task, so the previous key is compared first (a few bytes) and
 * the hash map is the fallback; only a new task builds its comm string.
 */
export class ThreadKeys {
  private readonly keys = new ByteKeyMap();
  private readonly lastKey = Buffer.alloc(64);
  private lastLen = -1;
  private lastUtid = -1;

  constructor(private readonly threads: ThreadTable) {}

  /** utid of buf[commStart, pidEnd) = `comm-pid`; tgid -1 when unknown. */
  utid(buf: Buffer, commStart: number, commEnd: number, pidEnd: number, pid: number, tgid: number): number {
    const len = pidEnd - commStart;
    const last = this.lastKey;
    if (len === this.lastLen) {
      let i = len - 1;
      while (i >= 0 && last[i] === buf[commStart + i]) i--;
      if (i < 0) return this.lastUtid;
    }
    let utid = this.keys.get(buf, commStart, pidEnd);
    if (utid < 0) {
      utid = this.threads.utid(pid, tgid, buf.toString('utf8', commStart, commEnd));
      this.keys.setLast(buf, commStart, pidEnd, utid);
    }
    if (len <= last.length) {
      buf.copy(last, 0, commStart, pidEnd);
      this.lastLen = len;
      this.lastUtid = utid;
    }
    return utid;
  }

  /** utid of a `comm-pid` cell (function_graph proc column, context-switch lines): the pid follows the last dash. */
  ofCell(buf: Buffer, start: number, end: number): number {
    let dash = end - 1;
    while (dash > start && buf[dash] !== 45) dash--;
    let pid = 0;
    for (let k = dash + 1; k < end; k++) pid = pid * 10 + (buf[k] - 48);
    return this.utid(buf, start, dash, end, pid, -1);
  }
}
