import { describe, expect, it } from 'vitest';
import { Tallies } from '../../src/report/sections/tallies.js';

describe('Tallies (IRQ and vector counts per pCPU / vCPU)', () => {
  it('counts each value per key and hands out Maps in first-seen order of key and value', () => {
    const t = new Tallies();
    const rows: [number, number][] = [[3, 0xfb], [0, 17], [3, 0xfa], [3, 0xfb], [0, 5000], [0, 17], [3, NaN], [0, -1], [3, 0.5], [0, 5000]];
    for (const [k, v] of rows) t.add(k, v);
    const maps = t.toMaps((k) => `pCPU${k}`);
    expect([...maps.keys()]).toEqual(['pCPU3', 'pCPU0']);
    expect([...(maps.get('pCPU3') ?? [])]).toEqual([[0xfb, 2], [0xfa, 1], [NaN, 1], [0.5, 1]]);
    expect([...(maps.get('pCPU0') ?? [])]).toEqual([[17, 2], [5000, 2], [-1, 1]]);
  });

  it('matches Map counting on many keys and values', () => {
    const t = new Tallies();
    const ref = new Map<number, Map<number, number>>();
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const key = seed % 37;
      const value = (seed >> 8) % 3000;
      t.add(key, value);
      const m = ref.get(key) ?? new Map<number, number>();
      ref.set(key, m.set(value, (m.get(value) ?? 0) + 1));
    }
    const got = t.toMaps((k) => k);
    expect([...got.keys()]).toEqual([...ref.keys()]);
    for (const [k, m] of ref) expect([...(got.get(k) ?? [])]).toEqual([...m]);
  });
});
