import type { Scenario } from './scenario.js';
import { overlay, validate } from './scenario.js';
import { simulate } from './simulate.js';

export interface SweepPoint {
  queues: number;
  gbps: number;
}

/** `queues=1..8` or `queues=1,2,4,8` → the values; only `queues` is swept today. */
export function parseSweep(spec: string): { param: 'queues'; values: number[] } {
  const m = /^queues=(\d+)\.\.(\d+)$/.exec(spec) ?? /^queues=(\d+(?:,\d+)*)$/.exec(spec);
  if (m === null) throw new Error(`--sweep expects queues=A..B or queues=A,B,… (got "${spec}")`);
  const values = m[2] !== undefined ? range(Number(m[1]), Number(m[2])) : m[1].split(',').map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1 || v > 64)) throw new Error(`--sweep: queue counts must be 1..64 (got "${spec}")`);
  return { param: 'queues', values };
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let v = a; v <= b; v++) out.push(v);
  return out;
}

/**
 * Goodput of the scenario's streams with every guest's VIF set to each queue count (both
 * ends negotiate the same number). Nothing is logged: only the throughput is needed.
 */
export function sweepQueues(base: Scenario, values: number[], seed: number): SweepPoint[] {
  return values.map((queues) => {
    const s = validate(overlay(base, { guests: base.guests.map(() => ({ queues })) }));
    const run = simulate(s, seed, 'none');
    return { queues, gbps: Number(run.gbps.toFixed(1)) };
  });
}
