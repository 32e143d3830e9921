import { describe, expect, it } from 'vitest';
import { loadScenario, sweepQueues, withOverrides } from '../../src/sim/index.js';

/**
 * The field data (seeds/: XenServer 7.0 multi-queue, 8 TCP streams between two 8-vCPU
 * guests): ≈17 Gb/s with 1 queue, more than double at 4 queues, ≈41 Gb/s at 8 queues.
 */
describe('multi-queue calibration', () => {
  const s = withOverrides(loadScenario('multiqueue'), { durationMs: 80, warmupMs: 10 });
  const points = sweepQueues(s, [1, 4, 8], 1);
  const gbps = (q: number) => points.find((p) => p.queues === q)?.gbps as number;

  it('1 queue ≈ 17 Gb/s (±15%)', () => {
    expect(gbps(1)).toBeGreaterThan(17 * 0.85);
    expect(gbps(1)).toBeLessThan(17 * 1.15);
  });

  it('4 queues give more than double the single-queue throughput', () => {
    expect(gbps(4)).toBeGreaterThan(2 * gbps(1));
  });

  it('8 queues ≈ 41 Gb/s (±15%)', () => {
    expect(gbps(8)).toBeGreaterThan(41 * 0.85);
    expect(gbps(8)).toBeLessThan(41 * 1.15);
  });

  it('another seed gives the same curve within a few percent', () => {
    const other = sweepQueues(s, [1, 4, 8], 7);
    for (const p of other) expect(Math.abs(p.gbps - gbps(p.queues)) / gbps(p.queues)).toBeLessThan(0.05);
  });
});
