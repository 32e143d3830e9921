import { describe, expect, it } from 'vitest';
import { backToBackCosts, pollWorkCv } from '../../src/replay/back-to-back.js';
import { drainContention } from '../../src/replay/contention.js';
import { busyAckCost, publishTimes } from '../../src/replay/fit.js';
import type { WorkItem } from '../../src/replay/index.js';
import { drainTimes, fitDrain } from '../../src/replay/index.js';

/** The what-if's fits on synthetic inputs whose answer is known (whatif.test.ts runs them on the simulator). */

describe('fitDrain', () => {
  it('recovers a drain from the completions it produced', () => {
    const truth = { kickNs: 8000, respNs: 9000, perSkbNs: 15_000, cv: 0 };
    // Requests in bursts of 1..3, some while the backend is busy, so the per-skb cost and the fixed part separate.
    const acc: number[] = [];
    for (let t = 0, k = 0; acc.length < 600; k++) {
      for (let j = 0; j <= k % 3; j++) acc.push(t + j * 10_000);
      t += 30_000 + (k % 5) * 17_000;
    }
    const done = new Float64Array(acc.length);
    drainTimes(acc, truth, done);
    const items = acc.map((a, i) => ({ flow: 1, enq: a, acc: a, done: done[i], slots: 17, ack: Infinity, woke: 0, wokeAt: NaN }));
    const fit = fitDrain(items, 0);
    expect(Math.abs(fit.perSkbNs - truth.perSkbNs)).toBeLessThan(1000);
    expect(Math.abs(fit.kickNs + fit.respNs - 17_000)).toBeLessThan(2000);
  });
});

describe('backToBackCosts (per-skb cost from polls that ran back to back)', () => {
  it('reads the per-skb cost from the spacing of completions when every idle-start batch has one size', () => {
    const truth = { kickNs: 8000, respNs: 9000, perSkbNs: 15_000, cv: 0 };
    // Whole-ring bursts of 3 at an idle backend; every fourth cycle a single skb published
    // while that poll runs (it waits for the next poll), every fifth a lone skb at an idle one.
    const acc: number[] = [];
    for (let t = 0, k = 0; acc.length < 900; k++, t += 200_000) {
      if (k % 5 === 4) acc.push(t);
      else acc.push(t, t + 1000, t + 2000, ...(k % 4 === 3 ? [t + 12_000] : []));
    }
    const done = new Float64Array(acc.length);
    drainTimes(acc, truth, done);
    const items = acc.map((a, i) => ({ flow: 1, enq: a, acc: a, done: done[i], slots: 17, ack: Infinity, woke: 0, wokeAt: NaN }));
    const gaps = backToBackCosts(items).sort((a, b) => a - b);
    expect(gaps.length).toBeGreaterThan(30);
    expect(gaps[gaps.length >> 1]).toBe(15_000);
    const fit = fitDrain(items, 0, gaps[gaps.length >> 1]);
    expect(fit.perSkbNs).toBe(15_000);
    expect(Math.abs(fit.kickNs + fit.respNs - 17_000)).toBeLessThan(1500);
  });
});

describe('pollWorkCv (how much a poll\'s work varies)', () => {
  it('reads the spread of idle-start sojourns per unit of work, not of the fixed latency', () => {
    // Idle-start batches of 1, 2 and 3 skbs (16 µs each), fixed latency 20 µs, the poll's work
    // off by ±12 % in turn: the spread grows with the work, so the answer is 0.12.
    const items: WorkItem[] = [];
    for (let k = 0; k < 90; k++) {
      const n = 1 + (k % 3);
      const t = k * 200_000;
      const done = t + 20_000 + n * 16_000 * (1 + (Math.floor(k / 3) % 2 === 0 ? 0.12 : -0.12));
      for (let j = 0; j < n; j++) items.push({ flow: 1, enq: t, acc: t, done, slots: 17, ack: Infinity, woke: 0, wokeAt: NaN });
    }
    expect(pollWorkCv(items, (x) => x.acc, 16_000)).toBeCloseTo(0.12, 2);
  });
});

describe('busyAckCost (ACK path cost while packets wait for it)', () => {
  it('is the ACK rate while many completed packets wait, not while the path idles', () => {
    // 300 completions in the first 3 ms, acknowledged 3 at a time every 93 µs (31 µs per skb)
    // from 1 ms, so the backlog is deep until the ACKs catch up; then 50 completions 200 µs
    // apart, each acknowledged alone 50 µs later (an idle path: long gaps, nothing waiting).
    const done = Array.from({ length: 300 }, (_x, i) => i * 10_000);
    const t: number[] = [];
    const n: number[] = [];
    for (let k = 0; k < 100; k++) t.push(1_000_000 + k * 93_000), n.push(3);
    for (let k = 0; k < 50; k++) done.push(20_000_000 + k * 200_000), t.push(20_050_000 + k * 200_000), n.push(1);
    expect(busyAckCost(done, { t, n }, 3)).toBeCloseTo(31_000, -1);
    // Never backlogged: nothing to read the cost from.
    expect(busyAckCost(done, { t: done.map((x) => x + 50_000), n: done.map(() => 1) }, 3)).toBeNaN();
  });
});

describe('drainContention (what a busy neighbour backend costs per skb)', () => {
  /**
   * Two queues whose idle-start polls of 3 skbs cost `extra` more per skb when the other queue's
   * backend is polling as they start (the grant-table lock); their cycles (think time differs)
   * drift against each other, so some polls find the neighbour idle and some busy.
   */
  const twoQueues = (extra: number) => {
    const d = { kickNs: 7000, respNs: 13_000, perSkbNs: 15_000, cv: 0 };
    const qs = [0, 1].map(() => ({ items: [] as WorkItem[], next: 0, polls: [] as [number, number][] }));
    qs[1].next = 11_000;
    const think = [23_000, 31_000];
    for (let n = 0; n < 1200; n++) {
      const k = qs[0].next + d.kickNs <= qs[1].next + d.kickNs ? 0 : 1;
      const q = qs[k];
      const start = q.next + d.kickNs;
      const o = qs[1 - k].polls.at(-1);
      const busy = o !== undefined && o[0] <= start && o[1] > start ? 1 : 0;
      const end = start + 3 * (d.perSkbNs + extra * busy);
      q.polls.push([start, end]);
      for (let j = 0; j < 3; j++) q.items.push({ flow: 1, enq: q.next, acc: q.next, done: end + d.respNs, slots: 17, ack: Infinity, woke: 0, wokeAt: NaN });
      q.next = end + d.respNs + think[k] + ((n * 7919) % 9) * 1000;
    }
    return qs.map((q) => ({ items: q.items, acks: { t: [], n: [] }, ringSlots: 64, refused: true, refusals: [], maxSkbSlots: 17, drain: d, xmitNs: 0, notifyNs: 0, ackModel: null }));
  };

  it('reads the extra per-skb cost of a polling neighbour from idle-start sojourns', () => {
    const c = drainContention(twoQueues(1000));
    expect(c.perNeighbourNs).toBeGreaterThan(850);
    expect(c.perNeighbourNs).toBeLessThan(1150);
    expect(c.ref).toBeGreaterThan(0.1);
    expect(c.ref).toBeLessThan(0.9);
  });

  it('is zero when neighbours cost nothing, and with one queue', () => {
    expect(drainContention(twoQueues(0)).perNeighbourNs).toBeLessThan(100);
    expect(drainContention(twoQueues(1000).slice(0, 1))).toEqual({ perNeighbourNs: 0, ref: 0 });
  });
});

describe('publishTimes (when netfront makes a burst visible to the backend)', () => {
  it('a burst is published at its last accept, or at the refusal that ended it when the ring filled', () => {
    const acc = Float64Array.from([0, 3000, 6000, 50_000, 80_000]);
    // Refusals: one 3 µs after the first burst (it ended the flush), one long after the fourth (another flush's).
    expect([...publishTimes(acc, 3000, [9000, 70_000])]).toEqual([9000, 9000, 9000, 50_000, 80_000]);
    expect([...publishTimes(acc, 3000)]).toEqual([6000, 6000, 6000, 50_000, 80_000]);
  });
});
