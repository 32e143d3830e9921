import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim/event-queue.js';
import { Prng } from '../../src/sim/prng.js';
import { DEFAULTS, ScenarioError, loadScenario, withOverrides } from '../../src/sim/index.js';
import { overlay } from '../../src/sim/scenario.js';
import { flowHash } from '../../src/sim/packet.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TMP } from './helpers.js';

describe('prng', () => {
  it('is a pure function of seed and stream', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(42, 1);
    const xs = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xs);
  });

  it('jitter keeps the mean and the spread it is asked for', () => {
    const r = new Prng(3);
    const xs = Array.from({ length: 20000 }, () => r.jitter(1000, 0.2));
    const mean = xs.reduce((x, y) => x + y, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((x, y) => x + (y - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 1000)).toBeLessThan(10);
    expect(Math.abs(sd / mean - 0.2)).toBeLessThan(0.01);
  });
});

describe('event queue', () => {
  it('pops in time order, ties in insertion order', () => {
    const q = new EventQueue();
    const seen: number[] = [];
    const actor = { fire: (_t: number, arg: number) => void seen.push(arg) };
    [5, 1, 3, 1, 2, 5, 0].forEach((t, i) => q.push(t, actor, i));
    q.run(10);
    expect(seen).toEqual([6, 1, 3, 4, 2, 0, 5]);
  });
});

describe('scenarios', () => {
  it('a typo in a scenario is an error naming the key', () => {
    expect(() => overlay(DEFAULTS, { ring: { txSlot: 64 } })).toThrow(/scenario\.ring\.txSlot: unknown setting/);
    expect(() => withOverrides(DEFAULTS, { durationMs: -1 })).toThrow(ScenarioError);
  });

  it('a user file overlays a built-in named by "base"', () => {
    const path = join(TMP, 'mine.json');
    writeFileSync(path, JSON.stringify({ base: 'ring-full', ring: { txSlots: 128 }, flows: { count: 4 } }));
    const s = loadScenario(path);
    expect(s).toMatchObject({ name: 'mine', inject: ['ring-full'], ring: { txSlots: 128, rxSlots: 256 }, flows: { count: 4 } });
    expect(() => loadScenario(join(TMP, 'missing.json'))).toThrow(/neither a built-in scenario/);
  });

  it('flows spread over queues by a fixed hash of their ports, not the seed', () => {
    const queues = (n: number) => new Set(Array.from({ length: 8 }, (_, i) => flowHash(0x0a000001, 0x0a000002, DEFAULTS.flows.srcPortBase + i, 5001) % n)).size;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(queues)).toEqual([1, 2, 3, 4, 4, 6, 7, 7]);
  });
});
