import type { AdaptiveColumns } from '../../model/columns.js';
import type { EVENT_COLUMNS } from '../../model/schema.js';

type ArgColumns = AdaptiveColumns<typeof EVENT_COLUMNS>;

/**
 * Memo of the shared payload decoder's output, per event name, keyed by the payload bytes.
 *
 * Within one capture most tracepoint payloads recur verbatim (`vec=3 [action=NET_RX]`,
 * `NR 0 = 4096`, a tlb_flush reason, hashed pointers of recycled skbs): the 6.8k-line
 * capture in traces/ftrace has 1154 distinct payloads. Decoding is deterministic per
 * payload, so a recurring one costs a hash lookup and five column copies instead of a
 * string and a template match. Bounded: short payloads only, at most MAX_ENTRIES per event
 * (then a fresh generation, since values drift over a long trace), and an event whose
 * payloads rarely recur stops being memoised. About 250 KB each, so only events that occur
 * often get one.
 *
 * Not ByteKeyMap: that one hashes only the head and tail of a key, which suits frames and
 * comms, but payloads differ in the middle (`napi poll on napi struct <ptr> for device …`),
 * so every byte is hashed here.
 */
const MAX_ENTRIES = 2048;
const SLOTS = 4096; // power of two, twice MAX_ENTRIES: short probe chains
const MAX_KEY_BYTES = 320; // net_dev_start_xmit / netif_rx_entry print ~270 bytes and recur per skb
const MIN_HIT_RATE = 0.25;

export const MEMO_MISS = -1;

export class PayloadMemo {
  private enabled = true;
  private slots = new Int32Array(SLOTS); // entry + 1; 0 = empty
  private readonly hashes = new Int32Array(MAX_ENTRIES);
  private readonly starts = new Int32Array(MAX_ENTRIES);
  private readonly lengths = new Int32Array(MAX_ENTRIES);
  private readonly arena = Buffer.allocUnsafe(MAX_ENTRIES * 64);
  private readonly arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
  private arenaUsed = 0;
  private readonly a0 = new Float64Array(MAX_ENTRIES);
  private readonly a1 = new Float64Array(MAX_ENTRIES);
  private readonly a2 = new Float64Array(MAX_ENTRIES);
  private readonly a3 = new Float64Array(MAX_ENTRIES);
  private readonly str0 = new Int32Array(MAX_ENTRIES);
  private readonly ok = new Uint8Array(MAX_ENTRIES);
  private count = 0;
  private lookups = 0;
  private hits = 0;
  private lastHash = 0;

  /** Copy the memoised decode of buf[s, e) into row: 1 decoded, 0 did not match (the caller reports it), or MEMO_MISS. */
  apply(buf: Buffer, s: number, e: number, cols: ArgColumns, row: number): number {
    if (!this.enabled || e - s > MAX_KEY_BYTES) return MEMO_MISS;
    this.lookups++;
    const v = viewOf(buf);
    const h = hash(v, buf, s, e);
    this.lastHash = h;
    const len = e - s;
    for (let slot = h & (SLOTS - 1); ; slot = (slot + 1) & (SLOTS - 1)) {
      const k = this.slots[slot] - 1;
      if (k < 0) return MEMO_MISS;
      if (this.hashes[k] !== h || this.lengths[k] !== len || !this.same(k, v, buf, s, len)) continue;
      this.hits++;
      cols.a0.set(row, this.a0[k]);
      cols.a1.set(row, this.a1[k]);
      cols.a2.set(row, this.a2[k]);
      cols.a3.set(row, this.a3[k]);
      cols.str0.set(row, this.str0[k]);
      return this.ok[k];
    }
  }

  private same(k: number, v: DataView, buf: Buffer, s: number, len: number): boolean {
    const a = this.arenaView;
    const at = this.starts[k];
    let i = 0;
    for (; i + 4 <= len; i += 4) if (a.getInt32(at + i) !== v.getInt32(s + i)) return false;
    for (; i < len; i++) if (this.arena[at + i] !== buf[s + i]) return false;
    return true;
  }

  /** Remember row's decoded columns for buf[s, e); must directly follow the apply() that missed. */
  remember(buf: Buffer, s: number, e: number, cols: ArgColumns, row: number, ok: boolean): void {
    const len = e - s;
    if (!this.enabled || len > MAX_KEY_BYTES) return;
    if (this.count === MAX_ENTRIES || this.arenaUsed + len > this.arena.length) {
      if (this.hits < this.lookups * MIN_HIT_RATE) {
        this.enabled = false;
        return;
      }
      this.slots.fill(0);
      this.count = this.arenaUsed = this.hits = this.lookups = 0;
    }
    const k = this.count++;
    buf.copy(this.arena, this.arenaUsed, s, e);
    this.starts[k] = this.arenaUsed;
    this.arenaUsed += len;
    this.lengths[k] = len;
    this.hashes[k] = this.lastHash;
    this.a0[k] = cols.a0.get(row);
    this.a1[k] = cols.a1.get(row);
    this.a2[k] = cols.a2.get(row);
    this.a3[k] = cols.a3.get(row);
    this.str0[k] = cols.str0.get(row);
    this.ok[k] = ok ? 1 : 0;
    let slot = this.lastHash & (SLOTS - 1);
    while (this.slots[slot] !== 0) slot = (slot + 1) & (SLOTS - 1);
    this.slots[slot] = k + 1;
  }
}

// One DataView per input chunk, shared by every memo: 4-byte reads halve the cost of hashing and comparing.
let viewBuf: Buffer | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));

function viewOf(buf: Buffer): DataView {
  if (buf !== viewBuf) {
    viewBuf = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return view;
}

/** FNV-1a style over 4-byte words, then the tail bytes; all of the payload counts. */
function hash(v: DataView, buf: Buffer, s: number, e: number): number {
  let h = 0x811c9dc5 ^ (e - s);
  let i = s;
  for (; i + 4 <= e; i += 4) h = Math.imul(h ^ v.getInt32(i, true), 16777619) ^ (h >>> 15);
  for (; i < e; i++) h = Math.imul(h ^ buf[i], 16777619);
  return h;
}
