import { describe, expect, it } from 'vitest';
import { ColumnSet } from '../../src/model/columns.js';
import { loadTrace } from '../../src/parsers/load.js';
import { ownTrace } from '../helpers.js';

const SPEC = { t: Float64Array, id: 'int', arg: 'float' } as const;

function filled(rows: number, write: (set: ColumnSet<typeof SPEC>, row: number) => void) {
  const set = new ColumnSet(SPEC, 16, { id: -1, arg: NaN });
  for (let r = 0; r < rows; r++) {
    const row = set.push();
    set.fixed.t[row] = r;
    write(set, row);
  }
  return set;
}

describe('adaptive columns', () => {
  it('store small integers in Int8 and widen, keeping every earlier value and default, when a value needs it', () => {
    const set = filled(50_000, (s, row) => {
      if (row % 3 === 0) s.adaptive.id.set(row, row % 100);
      if (row === 20_000) s.adaptive.id.set(row, 1000);
      if (row === 40_000) s.adaptive.id.set(row, -70_000);
    });
    const cols = set.finish();
    expect(cols.id).toBeInstanceOf(Int32Array);
    expect(cols.id.length).toBe(50_000);
    for (let r = 0; r < 50_000; r++) {
      const want = r === 20_000 ? 1000 : r === 40_000 ? -70_000 : r % 3 === 0 ? r % 100 : -1;
      if (cols.id[r] !== want) throw new Error(`row ${r}: ${cols.id[r]} != ${want}`);
    }
    expect(filled(10, (s, row) => s.adaptive.id.set(row, row)).finish().id).toBeInstanceOf(Int8Array);
    expect(filled(10, (s, row) => s.adaptive.id.set(row, 300 * row)).finish().id).toBeInstanceOf(Int16Array);
  });

  it('keep floats in Float32 while every value is exact there, and move to Float64 for one that is not', () => {
    const exact = filled(100, (s, row) => s.adaptive.arg.set(row, row % 2 ? row * 0.5 : NaN)).finish();
    expect(exact.arg).toBeInstanceOf(Float32Array);
    expect(exact.arg[3]).toBe(1.5);
    expect(exact.arg[4]).toBeNaN();
    const pointer = 0x7ffd_1234_5678; // a user-space address, as a syscall return value
    const wide = filled(30_000, (s, row) => s.adaptive.arg.set(row, row === 25_000 ? pointer : row === 7 ? 0.1 : row)).finish();
    expect(wide.arg).toBeInstanceOf(Float64Array);
    expect(wide.arg[25_000]).toBe(pointer);
    expect(wide.arg[7]).toBe(0.1);
    expect(wide.arg[24_999]).toBe(24_999);
  });

  it('refuse what an integer column cannot hold instead of truncating it', () => {
    const set = new ColumnSet(SPEC, 16, { id: -1 });
    const row = set.push();
    expect(() => set.adaptive.id.set(row, 1.5)).toThrow(RangeError);
    expect(() => set.adaptive.id.set(row, NaN)).toThrow(RangeError);
    expect(() => set.adaptive.id.set(row, 2 ** 31)).toThrow(RangeError);
  });

  it('take bulk writes checked once per block, widening for the widest value in it', () => {
    const set = filled(10, (s, row) => s.adaptive.id.set(row, row));
    set.adaptive.id.setMany(4, Int32Array.of(7, 2 ** 30, 9));
    set.adaptive.arg.setMany(0, Float64Array.of(1, NaN, 0.25));
    set.adaptive.id.fill(-3, 8, 10);
    const cols = set.finish();
    expect(cols.id).toBeInstanceOf(Int32Array);
    expect(Array.from(cols.id)).toEqual([0, 1, 2, 3, 7, 2 ** 30, 9, 7, -3, -3]);
    expect(cols.arg).toBeInstanceOf(Float32Array);
    expect(Array.from(cols.arg.subarray(0, 3))).toEqual([1, NaN, 0.25]);
    expect(() => set.adaptive.id.setMany(0, [1, 2.5])).toThrow(RangeError);
  });

  it('size an Int32 block by its widest magnitude, at the rung its true extremes need', () => {
    const rungOf = (values: number[]) => {
      const set = filled(4, (s, row) => s.adaptive.id.set(row, 0));
      set.adaptive.id.setMany(0, Int32Array.from(values));
      const cols = set.finish();
      expect(Array.from(cols.id)).toEqual(values);
      return cols.id.constructor;
    };
    expect(rungOf([127, -128, 0, 5])).toBe(Int8Array);
    expect(rungOf([64, 63, -1, 0])).toBe(Int8Array); // the OR of magnitudes (127) stays in Int8
    expect(rungOf([128, 0, 0, 0])).toBe(Int16Array);
    expect(rungOf([-129, 0, 0, 0])).toBe(Int16Array);
    expect(rungOf([32767, -32768, 1, 2])).toBe(Int16Array);
    expect(rungOf([0, 32768, 0, 0])).toBe(Int32Array);
    expect(rungOf([-(2 ** 31), 2 ** 31 - 1, 0, 0])).toBe(Int32Array);
  });

  it('keep a real ftrace capture in narrow arrays (CPUs, thread and string ids fit in a byte)', async () => {
    const model = await loadTrace(ownTrace('ftrace', 'events.trace.txt'));
    const e = model.events;
    expect(e.cpu).toBeInstanceOf(Int8Array);
    expect(e.domain).toBeInstanceOf(Int8Array);
    expect(e.stack).toBeInstanceOf(Int8Array);
    expect(e.a0.BYTES_PER_ELEMENT + e.a2.BYTES_PER_ELEMENT + e.a3.BYTES_PER_ELEMENT).toBe(12);
    let rows = 0;
    for (let i = 0; i < e.cpu.length; i++) if (e.cpu[i] === -1 || e.domain[i] !== -1) rows++;
    expect(rows).toBe(0);
  });
});

describe('arquero views', () => {
  it('wrap the narrow columns without copying and count like a typed loop', async () => {
    const { eventsTable } = await import('../../src/model/tables.js');
    const model = await loadTrace(ownTrace('ftrace', 'events.trace.txt'));
    const t = eventsTable(model);
    expect(t.numRows()).toBe(model.eventCount);
    expect(t.column('cpu')).toBe(model.events.cpu); // the model's own array, not a copy
    const byKind = t.groupby('kind').count().objects() as { kind: number; count: number }[];
    const loop = new Map<number, number>();
    for (const k of model.events.kind) loop.set(k, (loop.get(k) ?? 0) + 1);
    expect(new Map(byKind.map((r) => [r.kind, r.count]))).toEqual(loop);
  });
});
