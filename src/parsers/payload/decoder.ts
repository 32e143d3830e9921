import type { TraceBuilder } from '../../model/builder.js';
import { KIND_CODE } from '../../model/schema.js';
import type { EventSpec } from './events.js';
import { EVENT_SPECS } from './events.js';
import type { SlotValues } from './template.js';
import { PayloadTemplate, newSlotValues } from './template.js';

const ARG_COLUMNS = ['a0', 'a1', 'a2', 'a3'] as const;

/** One template with its slot → column wiring resolved once. */
interface Layout {
  template: PayloadTemplate;
  args: { column: (typeof ARG_COLUMNS)[number]; slot: number; pointer: boolean }[];
  str0Slot: number;
}

/** Everything needed to decode one event name, built on first sight and cached. */
export class EventDecoder {
  readonly kind: number;
  private readonly layouts: Layout[];
  private readonly nameStr0: string | null;
  private last = 0;

  constructor(
    readonly spec: EventSpec | null,
    shortName: string,
  ) {
    this.kind = KIND_CODE[spec?.kind ?? 'other'];
    this.layouts = (spec?.templates ?? []).map((t) => compileLayout(spec as EventSpec, t));
    this.nameStr0 = spec?.str0FromNameAfter !== undefined ? shortName.slice(spec.str0FromNameAfter.length) : null;
  }

  get known(): boolean {
    return this.spec !== null;
  }

  /**
   * Fill row `row`'s argument columns from the payload. Returns false when no layout
   * matched (the caller reports it); the row then keeps the raw payload in str0.
   */
  decode(payload: string, builder: TraceBuilder, row: number, scratch: SlotValues): boolean {
    const cols = builder.events.adaptive;
    const pool = builder.pool;
    if (this.spec === null) {
      if (payload.length > 0) cols.str0.set(row, pool.intern(payload));
      return true;
    }
    const layout = this.matchLayout(payload, scratch);
    const constants = this.spec.constants;
    if (constants !== undefined) for (const c of ARG_COLUMNS) if (constants[c] !== undefined) cols[c].set(row, constants[c] as number);
    if (this.nameStr0 !== null) cols.str0.set(row, pool.intern(this.nameStr0));
    if (layout === null) {
      if (payload.length > 0) cols.str0.set(row, pool.intern(payload));
      return false;
    }
    for (const a of layout.args) {
      cols[a.column].set(row, a.pointer ? pool.intern(scratch.strs[a.slot] as string) : scratch.nums[a.slot]);
    }
    if (layout.str0Slot >= 0) cols.str0.set(row, pool.intern(scratch.strs[layout.str0Slot] as string));
    return true;
  }

  /** Try the layout that matched last time first: within one trace the layout rarely changes. */
  private matchLayout(payload: string, scratch: SlotValues): Layout | null {
    const n = this.layouts.length;
    for (let k = 0; k < n; k++) {
      const i = (this.last + k) % n;
      if (this.layouts[i].template.match(payload, scratch)) {
        this.last = i;
        return this.layouts[i];
      }
    }
    return null;
  }
}

function compileLayout(spec: EventSpec, text: string): Layout {
  const template = new PayloadTemplate(text);
  const args: Layout['args'] = [];
  for (const column of ARG_COLUMNS) {
    const name = spec[column];
    if (name === undefined) continue;
    const slot = template.slotIndex(name);
    if (slot < 0) continue; // an older layout may lack the field: the column stays NaN
    const type = template.ast.slots[slot].type;
    args.push({ column, slot, pointer: type === 'ptr' || type === 'str' });
  }
  const str0Slot = spec.str0 !== undefined ? template.slotIndex(spec.str0) : -1;
  return { template, args, str0Slot };
}

/** Registry lookup by short name; exact names win over `prefix*` entries. */
function findSpec(shortName: string): EventSpec | null {
  let prefixed: EventSpec | null = null;
  for (const spec of EVENT_SPECS) {
    for (const n of spec.names) {
      if (n === shortName) return spec;
      if (prefixed === null && n.endsWith('*') && shortName.startsWith(n.slice(0, -1))) prefixed = spec;
    }
  }
  return prefixed;
}

/** Per-trace cache: each distinct event name compiles its decoder once. */
export class PayloadDecoders {
  private readonly cache = new Map<string, EventDecoder>();
  readonly scratch = newSlotValues();

  for(eventName: string): EventDecoder {
    let d = this.cache.get(eventName);
    if (d === undefined) {
      const colon = eventName.lastIndexOf(':');
      const shortName = colon >= 0 ? eventName.slice(colon + 1) : eventName;
      d = new EventDecoder(findSpec(shortName), shortName);
      this.cache.set(eventName, d);
    }
    return d;
  }
}
