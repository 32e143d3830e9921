import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadTrace } from '../../src/parsers/index.js';
import type { FlowModel, LoopQueue, ReplayDocument, WhatIfResult } from '../../src/replay/index.js';
import { extractWorkload, replayDocument, replayQueues, runLoop, whatIf } from '../../src/replay/index.js';
import { runLoops } from '../../src/replay/loop.js';
import { loadScenario, simulate, withOverrides } from '../../src/sim/index.js';
import { flowHash } from '../../src/sim/packet.js';
import { ringMetrics } from '../../src/sim/truth.js';
import { gen, TMP } from '../sim/helpers.js';

const flow = (over: Partial<FlowModel>): FlowModel => ({ id: 1, queue: 'eth0-q0', first: 0, tsq: 4, window: Infinity, gapAfterWrite: 1000, gapAfterWake: 1000, gapAfterAck: 1000, slots: 17, arrivals: null, ...over });
const ringOf = (slots: number, over: Partial<LoopQueue> = {}): LoopQueue => ({ ringSlots: slots, maxSkbSlots: 17, drain: { kickNs: 5000, respNs: 5000, perSkbNs: 20_000, cv: 0 }, ack: null, xmitNs: 0, ...over });
const gen40 = (name: string, patch?: object) => gen(name, 'perf-script', { durationMs: 40, patch });

describe('runLoop (netfront rules, fitted drain, ACK clock)', () => {
  it('a sender allowed 4 skbs stalls a 3-skb ring and never a ring that holds all 4', () => {
    const small = runLoop([flow({})], ringOf(64), 0, 10_000_000);
    expect(small.stalls.length).toBeGreaterThan(10);
    expect(small.completed).toBeGreaterThan(100);
    const big = runLoop([flow({})], ringOf(68), 0, 10_000_000);
    expect(big.stalls).toEqual([]);
    // More room lets the closed loop send more: throughput cannot drop.
    expect(big.completed).toBeGreaterThanOrEqual(small.completed);
  });

  it('a window and a slow ACK path cap the sender: one window per ACK round trip', () => {
    const ack = { perSkbNs: 0, delayNs: 1_000_000, batch: 3 };
    const o = runLoop([flow({ window: 8, tsq: 64 })], ringOf(1024, { ack }), 0, 10_000_000);
    // ~1.1 ms per round (drain + 1 ms ACK delay), 8 skbs each: about 9 rounds in 10 ms.
    expect(o.completed).toBeGreaterThanOrEqual(8 * 8);
    expect(o.completed).toBeLessThanOrEqual(8 * 10);
    expect(o.stalls).toEqual([]);
  });

  it('replays open-loop arrivals at their times, and closes a stall still open at the end', () => {
    const arrivals = [0, 1000, 2000, 3000];
    const o = runLoop([flow({ tsq: Infinity, arrivals })], ringOf(51, { drain: { kickNs: 1e9, respNs: 0, perSkbNs: 0, cv: 0 } }), 0, 1_000_000);
    // Three fit; the fourth is refused at t=3000 and the ring never drains before the end.
    expect(o.completed).toBe(0);
    expect(o.stalls).toEqual([1_000_000 - 3000]);
  });

  it('replays queues together: alone each lane is its own runLoop; a busy neighbour slows a contended drain', () => {
    const lanes = [0, 1].map(() => ({ flows: [flow({})], queue: ringOf(64) }));
    const alone = runLoop([flow({})], ringOf(64), 0, 10_000_000);
    for (const o of runLoops(lanes, 0, 10_000_000)) expect(o).toEqual(alone);
    const contention = { drainNs: 5000, drainRef: 0, ackNs: 0, ackRef: 0 };
    const slowed = runLoops(lanes.map((l) => ({ ...l, queue: { ...l.queue, contention } })), 0, 10_000_000);
    for (const o of slowed) expect(o.completed).toBeLessThan(alone.completed * 0.9);
    // With no neighbour there is no one to wait for.
    expect(runLoops([{ ...lanes[0], queue: { ...lanes[0].queue, contention } }], 0, 10_000_000)[0]).toEqual(alone);
  });
});

describe('what-if on the simulator (ring-full, perf-script, 64-slot rings)', async () => {
  const g = gen40('ring-full');
  const model = await loadTrace(g.written.path);
  const doc = replayDocument(replayQueues(model));
  const w = extractWorkload(model);
  /** The simulator's own run with the changed setting, replayed from its trace: the same stall definition. */
  const simulated = async (patch: object) => replayDocument(replayQueues(await loadTrace(gen40('ring-full', patch).written.path))).queues;
  /** The simulator's queue for each flow (stream i = tid 2101 + i, ports 41483 + i → 5001), in the what-if's flow order. */
  const simulatorHash = (queues: number) => w.flows.map((f) => flowHash(0x0a000001, 0x0a000002, 41483 + (model.threads[f.id].tid - 2101), 5001) % queues);
  const close = (pred: number, want: number) => Math.abs(pred - want) <= Math.max(0.1 * want, want < 0.05 ? 0.02 : 0);

  it('reads the workload: 8 sending threads, TCP small queues (4 skbs), a 48-skb window, 64-slot rings, ACKs per queue', () => {
    expect(w.flowsKnown).toBe(true);
    expect(w.flows).toHaveLength(8);
    for (const f of w.flows) expect(f.tsq).toBe(4);
    // The simulator's window is 48 skbs: q1's three senders reach it together (144 in flight,
    // counted at the queue, where the ACK polls' work is exact); a backlog flush running in
    // another sender's syscall must not move that sender's ACKs to the other queue.
    for (const f of w.flows) expect(f.window).toBe(48);
    for (const q of w.queues.values()) expect(q.ackModel).not.toBeNull();
    expect([...w.queues.values()].map((q) => q.ringSlots)).toEqual([64, 64]);
    expect([...w.queues.values()].map((q) => q.maxSkbSlots)).toEqual([17, 17]);
  });

  it('reports one prediction per queue with the observed baseline and the delta', () => {
    const r = whatIf(w, doc.queues, { ringSlots: 128 });
    expect(r.map((x) => x.queue)).toEqual(['eth0-q0', 'eth0-q1']);
    for (const x of r) {
      const obs = doc.queues.find((q) => q.queue === x.queue);
      expect(x.baseline.stalled_fraction).toBe(obs?.stalled_fraction);
      expect(x.delta.stalled_fraction).toBeCloseTo(x.stalled_fraction - x.baseline.stalled_fraction, 6);
      expect(x.change).toBe('ring 64 → 128 slots');
      expect(x.assumptions.length).toBeGreaterThan(0);
      expect(x.replays.runs).toBeGreaterThan(1);
      expect(x.replays.stalled_fraction_min).toBeLessThanOrEqual(x.stalled_fraction);
      expect(x.replays.stalled_fraction_max).toBeGreaterThanOrEqual(x.stalled_fraction);
      expect(x.ack_path).not.toBeNull();
    }
    const q4 = whatIf(w, doc.queues, { queues: 4 });
    expect(q4.map((x) => x.queue)).toEqual(['eth0-q0', 'eth0-q1', 'eth0-q2', 'eth0-q3']);
    expect(q4[0].assumptions.some((a) => a.includes('round-robin'))).toBe(true);
  });

  it('replayed against the observed ring, the model lands within 0.1 of the observed stalled fraction', () => {
    for (const x of whatIf(w, doc.queues, { ringSlots: 64 })) {
      const m = x.model_at_observed?.stalled_fraction ?? NaN;
      expect(Math.abs(m - x.baseline.stalled_fraction), `${x.queue}: model ${m}, observed ${x.baseline.stalled_fraction}`).toBeLessThanOrEqual(0.1);
    }
  });

  it('where the simulator does not stall with the larger ring, neither does the prediction (≤ 0.02)', async () => {
    const truth = await simulated({ ring: { txSlots: 256 } });
    const quiet = truth.filter((q) => q.queue.includes('-q') && q.stalled_fraction <= 0.02);
    expect(quiet.length).toBeGreaterThan(0);
    for (const t of quiet) {
      const p = whatIf(w, doc.queues, { ringSlots: 256 }).find((x) => x.queue === t.queue);
      expect(p?.stalled_fraction, t.queue).toBeLessThanOrEqual(0.02);
    }
  });

  it('predicts the throughput the simulator reaches at 128 and 256 slots within 5%', async () => {
    for (const slots of [128, 256]) {
      const truth = await simulated({ ring: { txSlots: slots } });
      for (const p of whatIf(w, doc.queues, { ringSlots: slots })) {
        const want = truth.find((q) => q.queue === p.queue)?.throughput_per_s ?? 0;
        expect(Math.abs(p.throughput_per_s - want) / want, `${p.queue} @${slots}: predicted ${p.throughput_per_s}/s, simulated ${want}/s`).toBeLessThan(0.05);
      }
    }
  });

  /*
   * The bar (issue 7) needs "the stalled fraction the simulator produces" as a number, and one
   * simulator run is not one: near the knee a queue either pipelines (the backend never idles)
   * or locks into whole-ring batches — decided by how many requests the backend's first poll
   * catches — and the mode a seed falls into moves its stalled fraction two- to threefold.
   * Target = the median over seeds 1–21 of runs as long as the fitted trace (40 ms), stall time
   * from the simulator's own log. Measured, median (min–max):
   *   ring  64: q0 0.868 (0.866–0.869)   q1 0.580 (0.544–0.622)
   *   ring  96: q0 0.490 (0.158–0.522; 4 of 21 low)   q1 0.096 (0.083–0.306; 7 of 21 high)
   *   ring 128: q0 0.156 (0.148–0.400; 3 of 21 high)  q1 0.084 (0.074–0.096)
   *   ring 256: q0 0.139 (0.128–0.154)   q1 0 (0–0)
   * With 9 seeds the 96-slot q1 median was 0.282 (5 of 9 high): 21 seeds are needed for the
   * median to sit on the likelier mode. Longer runs do not help: all stall time is a start-up
   * transient (the senders are TSQ-bound against the ring until their windows fill behind the
   * slower ACK path; then the ACK clock paces them and the queue never fills again — at 64
   * slots after 20–50 ms, at 128 after 5–17 ms), so a 200 ms run only divides the fraction by
   * five (96 slots, q1: 0.018 or 0.057 by mode) and the what-if must be fitted on a trace of the
   * same length. Predicted from seed 1 (median of 21 replays, range; both queues replayed
   * together, contention.ts): 64: 0.867 / 0.604 (0.090–0.662); 96: 0.490 (0.152–0.513) / 0.094
   * (0.087–0.314); 128: 0.157 (0.149–0.402) / 0.084; 256: 0.146 / 0.
   */
  const SEEDS = 21;
  const targets = new Map<string, Map<string, number>>();
  /** Median over SEEDS simulator runs with `patch`, per queue (cached: several tests share one). */
  const target = (patch: object): Map<string, number> => {
    const key = JSON.stringify(patch);
    const hit = targets.get(key);
    if (hit !== undefined) return hit;
    const per = new Map<string, number[]>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const run = simulate(withOverrides(loadScenario('ring-full'), { durationMs: 40, warmupMs: 4, ...patch }), seed, 'none');
      for (const q of run.txQueues) per.get(q.name)?.push(ringMetrics(run, q.name).stalled_fraction as number) ?? per.set(q.name, [ringMetrics(run, q.name).stalled_fraction as number]);
    }
    const med = new Map([...per].map(([q, v]) => [q, v.sort((a, b) => a - b)[v.length >> 1]] as const));
    targets.set(key, med);
    return med;
  };

  const ringBar = (slots: number) => {
    const want = target({ ring: { txSlots: slots } });
    for (const p of whatIf(w, doc.queues, { ringSlots: slots })) {
      const t = want.get(p.queue) ?? NaN;
      expect(close(p.stalled_fraction, t), `${p.queue} @${slots}: predicted ${p.stalled_fraction}, simulated median ${t}`).toBe(true);
    }
  };

  it.each([64, 128, 256])('predicts the simulator\'s median stalled fraction at %i slots within a tenth (≤ 0.02 near zero)', ringBar);

  /*
   * The knee: q1 either locks into whole-ring polls (0.28–0.31 stalled) or alternates polls of
   * 2 and 3 (0.08–0.10), as the first polls fall (the simulator: 7 of 21 seeds high). Met since
   * a backlog flush is taken as published after the skb it refused (fit.ts publishTimes): the
   * fit's kick / response split went from 7.3 / 13.4 µs to 9.0 / 9.0 (a dom0 capture of the
   * simulator: about 8–9 / 9.5), and the replays put q1 high 7 times in 21 and q0 low 5 times
   * (the simulator: 7 and 4). Before: 0.458 / 0.233, q1 high 13 times. Fitted on seeds 2–5: met
   * on 2 and 3; on 4 q1 0.266, on 5 q0 0.162 (the other mode).
   */
  it('predicts the simulator\'s median stalled fraction at 96 slots within a tenth', () => ringBar(96));

  /*
   * Same bar for 4 queues, flows placed as the simulator hashes them (3/2/2/1 — the 4-tuple is in
   * no event, so the test reads the simulator's hash; `--flow-queues` takes the same map).
   * Target (21 seeds, 40 ms), median (min–max): q0 0.609 (0.541–0.652), q1 0.405 (0.369–0.483),
   * q2 0.415 (0.383–0.450), q3 0.016 (0.015–0.019). In the simulator every grant copy waits for
   * the other backends copying at the time, so 4 busy queues drain and acknowledge slower than 2;
   * the queues are replayed together with that contention read from the 2-queue trace
   * (contention.ts: idle-start polls cost 0.63 µs per skb more when the other backend was
   * polling as they began). Predicted 0.585, 0.388, 0.391, 0.011; without the contention term
   * 0.542, 0.355, 0.353, 0.018 (not met).
   */
  it('predicts the simulator\'s median stalled fraction with 4 queues within 10%', () => {
    const want = target({ guests: [{ queues: 4 }, { queues: 4 }] });
    for (const p of whatIf(w, doc.queues, { queues: 4, flowQueues: simulatorHash(4) })) {
      const t = want.get(p.queue) ?? NaN;
      expect(close(p.stalled_fraction, t), `${p.queue}: predicted ${p.stalled_fraction}, simulated median ${t}`).toBe(true);
    }
  });

  it('with 2 queues and the simulator\'s placement the what-if is the observed configuration: within the bar', () => {
    const want = target({});
    for (const p of whatIf(w, doc.queues, { queues: 2, flowQueues: simulatorHash(2) })) {
      const t = want.get(p.queue) ?? NaN;
      expect(close(p.stalled_fraction, t), `${p.queue}: predicted ${p.stalled_fraction}, simulated median ${t}`).toBe(true);
    }
  });

  it('`replay --queues --flow-queues` rejects a map shorter than the flows (exit 2)', async () => {
    expect(await main(['replay', g.written.path, '--queues', '2', '--flow-queues', '0,1', '-q'])).toBe(2);
    expect(await main(['replay', g.written.path, '--queues', '2', '--flow-queues', 'a,b', '-q'])).toBe(2);
  });

  it('`replay --ring-size --queue --json` writes the what-if into tracelens.replay/v1', async () => {
    const out = join(TMP, 'whatif.json');
    const code = await main(['replay', g.written.path, '--ring-size', '128', '--queue', 'eth0-q1', '--json', out, '-q']);
    expect(code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as ReplayDocument;
    expect(j.schema).toBe('tracelens.replay/v1');
    expect(j.queues.map((q) => q.queue)).toEqual(['eth0-q1']);
    expect(j.whatif.map((x: WhatIfResult) => [x.queue, x.change])).toEqual([['eth0-q1', 'ring 64 → 128 slots']]);
    expect(Object.keys(j.whatif[0]).slice(0, 6)).toEqual(['queue', 'change', 'stalled_fraction', 'p99_stall_ns', 'throughput_per_s', 'baseline']);
  });
});

describe('what-if on other simulator scenarios', () => {
  const replayOf = async (name: string, patch?: object) => {
    const model = await loadTrace(gen40(name, patch).written.path);
    return { model, doc: replayDocument(replayQueues(model)) };
  };

  it('mixed (IRQs on vCPU 0, 64-bit PV sender, 64-slot rings): a 256-slot ring stalls nothing, predicted ≤ 0.02 too', async () => {
    const { model, doc } = await replayOf('mixed');
    const truth = (await replayOf('mixed', { ring: { txSlots: 256 } })).doc.queues;
    const pred = whatIf(extractWorkload(model), doc.queues, { ringSlots: 256 });
    expect(pred.length).toBe(4);
    for (const p of pred) {
      const want = truth.find((q) => q.queue === p.queue)?.stalled_fraction ?? 0;
      expect(want, p.queue).toBeLessThanOrEqual(0.02);
      expect(p.stalled_fraction, p.queue).toBeLessThanOrEqual(0.02);
    }
  });

  it('baseline (dom0 capture, never full): queues are not replayed on a guessed ring, and re-hashing them stalls nothing', async () => {
    const { model, doc } = await replayOf('baseline');
    const w = extractWorkload(model);
    const ring = whatIf(w, doc.queues, { ringSlots: 64 });
    expect(ring.length).toBeGreaterThan(0);
    for (const p of ring) {
      expect(p.change).toMatch(/^not replayed/);
      expect(p.stalled_fraction).toBe(p.baseline.stalled_fraction);
    }
    for (const p of whatIf(w, doc.queues, { queues: 2 })) expect(p.stalled_fraction, p.queue).toBeLessThanOrEqual(0.02);
  });
});
