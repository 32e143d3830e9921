/** One skb on its way from a sender's socket to the receiver's: a GSO segment of one stream. */
export interface Pkt {
  flow: number;
  /** skb id in the sending guest, then in dom0 once netback has copied it. */
  skb: number;
  dom0Skb: number;
  bytes: number;
  /** Ring slots it takes: one per 4 KiB page plus the header/extra-info slot. */
  slots: number;
}

/**
 * How the rings reach the streams. The `boolean` calls update a stream's state inside a
 * work item and say whether its task must be woken; the `wake*` calls do it when the item ends.
 */
export interface StreamHooks {
  /** One of the sender's skbs left the TX ring (TCP small queues lets it queue another). */
  txCompleted(flow: number): boolean;
  wakeSender(flow: number, t: number): void;
  senderAt(flow: number): { task: number; vcpu: number };
  /** Data reached the receiving socket. */
  dataArrived(flow: number, pkt: Pkt): boolean;
  wakeReceiver(flow: number, t: number): void;
  receiverAt(flow: number): { task: number; vcpu: number };
}

export function slotsFor(bytes: number): number {
  return Math.ceil(bytes / 4096) + 1;
}

/**
 * The flow hash netfront and netback use to pick a queue (skb_get_hash(skb) % queues). A
 * fixed mix of the 4-tuple, so which streams share a queue depends on their ports, as on a
 * real host, and not on the seed.
 */
export function flowHash(saddr: number, daddr: number, sport: number, dport: number): number {
  let h = Math.imul(saddr ^ 0x3c6ef372, 0x9e3779b1) >>> 0;
  h = Math.imul((h ^ daddr) >>> 0, 0x85ebca6b) >>> 0;
  h = Math.imul((h ^ ((sport << 16) | dport)) >>> 0, 0xc2b2ae35) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  return h >>> 0;
}

/** Move up to `budget` packets from the head of `from` onto `batch` (one NAPI poll); returns how many and their ring slots. */
export function takeBatch(from: Pkt[], batch: Pkt[], budget: number): { n: number; slots: number } {
  const n = Math.min(budget, from.length);
  let slots = 0;
  for (let i = 0; i < n; i++) {
    const p = from.shift() as Pkt;
    batch.push(p);
    slots += p.slots;
  }
  return { n, slots };
}
