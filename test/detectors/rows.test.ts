import { describe, expect, it } from 'vitest';
import { gather, indexedRows, rowsOfKinds } from '../../src/detectors/rows.js';
import { KINDS } from '../../src/model/schema.js';
import type { TraceModel } from '../../src/model/trace-model.js';
import { loadTrace } from '../../src/parsers/index.js';
import { collect } from '../../src/report/sections/xen-stats.js';
import { sharedTrace } from '../helpers.js';

/**
 * The row index (rows.ts) is made either by its own pass or, when the xen section runs first, by
 * that section's pass: both must give the same rows, and the time and a0 handed out with them
 * must be the columns' values at those rows.
 */
const TRACE = sharedTrace('xentrace', 'xentrace-parser-rs__examples_xentrace.first10windows.bin');
const KINDS_WALKED = [['hypercall'], ['syscall_exit', 'tlb_flush'], ['irq_entry'], ['irq_entry', 'irq_exit', 'softirq_entry', 'softirq_exit']] as const;

function snapshot(model: TraceModel) {
  return KINDS_WALKED.map((kinds) => {
    const x = indexedRows(model, kinds);
    return x === null ? null : { rows: [...x.rows], tsNs: Array.from(x.tsNs), a0: Array.from(x.a0) };
  });
}

describe('row index', () => {
  it('is the same whether the xen section or the detectors make it', async () => {
    const own = await loadTrace(TRACE);
    const viaSection = await loadTrace(TRACE);
    collect(viaSection);
    const a = snapshot(own);
    expect(snapshot(viaSection)).toEqual(a);
    expect(a.some((x) => x !== null && x.rows.length > 0)).toBe(true);
  });

  it('hands out the time and a0 of each row, in row order', async () => {
    const model = await loadTrace(TRACE);
    const e = model.events;
    for (const kinds of KINDS_WALKED) {
      const x = indexedRows(model, kinds);
      if (x === null) continue;
      const codes = kinds.map((k) => KINDS.indexOf(k));
      const expected = [...e.kind.keys()].filter((i) => codes.includes(e.kind[i]));
      expect([...x.rows]).toEqual(expected);
      expect(Array.from(x.tsNs)).toEqual(expected.map((i) => e.tsNs[i]));
      expect(Array.from(x.a0)).toEqual(expected.map((i) => e.a0[i]));
      expect(rowsOfKinds(model, kinds)).toEqual(x.rows);
    }
  });

  it('gathers a column at ascending rows, sparse or dense, as reading each row would', async () => {
    const model = await loadTrace(TRACE);
    const n = model.events.kind.length;
    const dense = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1);
    const sparse = Int32Array.from({ length: Math.min(n, 40) }, (_, i) => Math.floor((i * n) / 40));
    for (const rows of [dense, sparse, new Int32Array(0)]) {
      for (const column of [model.events.tsNs, model.events.a0, model.events.cpu, model.events.kind]) {
        expect([...(gather(column, rows) as Float64Array)]).toEqual([...rows].map((i) => column[i]));
      }
    }
    expect(gather(model.events.a0, null)).toBe(model.events.a0);
  });
});
