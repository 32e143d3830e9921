import type { TraceBuilder } from '../../model/builder.js';
import { ByteKeyMap } from '../input/byte-key-map.js';
import type { EventDecoder } from '../payload/decoder.js';
import { PayloadDecoders } from '../payload/decoder.js';
import { MEMO_MISS, PayloadMemo } from './payload-memo.js';

const SPACE = 32;
const TAB = 9;
const MEMO_AFTER = 256; // an event name earns a payload memo once it has been decoded this often

type FastBuffer = Buffer & { utf8Slice(start: number, end: number): string };

/** UTF-8 text of buf[s, e): `utf8Slice` is what toString('utf8') calls, minus its argument checks (hot path). */
export function utf8(buf: Buffer, s: number, e: number): string {
  return (buf as FastBuffer).utf8Slice(s, e);
}

/**
 * Tracepoint rows: event names resolved by their bytes, payloads decoded by the decoder
 * shared with perf script (src/parsers/payload, keyed by the bare name: ftrace prints no
 * `system:` prefix), memoised per event once it is frequent. Unknown events keep their raw
 * payload in str0 (the decoder does that); a known event whose payload matches no layout
 * keeps it too and is reported with its line.
 */
export class Tracepoints {
  private readonly decoders = new PayloadDecoders();
  private readonly names = new ByteKeyMap();
  private readonly decoderOf: (EventDecoder | undefined)[] = [];
  private readonly memoOf: (PayloadMemo | undefined)[] = [];
  private readonly seen: number[] = [];

  constructor(private readonly b: TraceBuilder) {}

  /** String id of the event name buf[s, e). */
  nameOf(buf: Buffer, s: number, e: number): number {
    let name = this.names.get(buf, s, e);
    if (name < 0) {
      name = this.b.pool.intern(buf.toString('utf8', s, e));
      this.names.setLast(buf, s, e, name);
    }
    return name;
  }

  kindOf(name: number): number {
    return this.decoderFor(name).kind;
  }

  /** A row for event `name` with payload buf[s, end); returns the row. */
  row(buf: Buffer, s: number, end: number, ts: number, cpu: number, utid: number, name: number, lineNo: number): number {
    const b = this.b;
    const decoder = this.decoderFor(name);
    const memo = this.memoOf[name];
    const row = b.event(ts, cpu, utid, decoder.kind, name);
    while (end > s && (buf[end - 1] === SPACE || buf[end - 1] === TAB)) end--;
    const cols = b.events.adaptive;
    let ok = memo !== undefined ? memo.apply(buf, s, end, cols, row) : MEMO_MISS;
    if (ok === MEMO_MISS) {
      ok = decoder.decode(utf8(buf, s, end), b, row, this.decoders.scratch) ? 1 : 0;
      if (memo !== undefined) memo.remember(buf, s, end, cols, row, ok === 1);
      else if (++this.seen[name] === MEMO_AFTER) this.memoOf[name] = new PayloadMemo();
    }
    if (ok === 0) {
      b.diagnostics.report('ftrace/unrecognised-payload', 'warning', `payload of ${b.pool.get(name)} does not match any known layout (kept raw)`, {
        line: lineNo,
        excerpt: utf8(buf, s, end),
      });
    }
    return row;
  }

  private decoderFor(name: number): EventDecoder {
    let decoder = this.decoderOf[name];
    if (decoder === undefined) {
      decoder = this.decoders.for(this.b.pool.get(name));
      this.decoderOf[name] = decoder;
      this.seen[name] = 0;
    }
    return decoder;
  }
}
