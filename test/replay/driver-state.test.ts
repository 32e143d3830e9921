import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTrace } from '../../src/parsers/load.js';
import { driverStateSummary, replayDriverState } from '../../src/replay/driver-state.js';
import { gen } from '../sim/helpers.js';
import { ownTrace } from '../helpers.js';

/**
 * qdisc stop intervals and NAPI polls against the simulator's truth (ring-full: two TX queues
 * under mq, each stopping when its 64-slot ring refuses an skb) and against grep.
 */
describe('driver state: qdisc txq_state and napi_poll', () => {
  for (const format of ['ftrace', 'perf-script'] as const) {
    it(`${format}: one stop interval per simulated stall, per TX queue, stopped time within 10%`, async () => {
      const g = gen('ring-full', format, { durationMs: 60 });
      const { qdiscs } = driverStateSummary(replayDriverState(await loadTrace(g.written.path)));
      const rings = g.truth.pathologies.filter((p) => p.detector === 'ring-full');
      expect(rings.length).toBe(2);
      for (const p of rings) {
        const name = String(p.where.queue);
        const q = qdiscs.find((x) => x.queue === name);
        expect(q, name).toBeDefined();
        expect(q!.stops, name).toBe(p.metrics.stalls);
        const ratio = q!.stopped_fraction / Number(p.metrics.stalled_fraction);
        expect(ratio, name).toBeGreaterThan(0.9);
        expect(ratio, name).toBeLessThan(1.1);
      }
      expect(qdiscs.map((q) => q.parent)).toEqual(['1:1', '1:2']);
    });
  }

  it('napi_poll: polls, work and full-budget polls equal what grep counts, sim and real', async () => {
    const g = gen('ring-full', 'ftrace');
    for (const path of [g.written.path, ownTrace('ftrace', 'events.trace.txt')]) {
      const text = readFileSync(path, 'utf8');
      const polls = [...text.matchAll(/napi_poll: .* for device (\S+) work (\d+) budget (\d+)/g)];
      const { napi } = driverStateSummary(replayDriverState(await loadTrace(path)));
      expect(napi.reduce((n, d) => n + d.polls, 0), path).toBe(polls.length);
      expect(napi.reduce((n, d) => n + d.full_polls, 0), path).toBe(polls.filter((m) => m[2] === m[3]).length);
      for (const d of napi) {
        const mine = polls.filter((m) => m[1] === d.device);
        const work = mine.reduce((n, m) => n + Number(m[2]), 0);
        expect(d.work_per_poll, d.device).toBeCloseTo(work / mine.length, 3);
      }
    }
  });
});
