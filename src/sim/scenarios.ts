import { readFileSync } from 'node:fs';
import type { Scenario } from './scenario.js';
import { DEFAULTS, ScenarioError, overlay, validate } from './scenario.js';

/**
 * Built-in scenarios, each an overlay on DEFAULTS (the XenServer 7.0 calibration host).
 * `baseline` is healthy: four queues, IRQs spread, HVM guests, streams paced at 2 Gb/s, and a
 * Xen whose grant-table lock readers do not serialise (the per-CPU rwlock of Xen ≥ 4.7: a
 * short hold). Each pathology scenario is the baseline plus what causes its pathology, and
 * captures perf/ftrace in the domain where it shows.
 */
const BASELINE = {
  guests: [{ queues: 4 }, { queues: 4 }],
  flows: { gbpsEach: 2 },
  gnttab: { holdNs: 60 },
};

export const BUILTIN: Record<string, Record<string, unknown>> = {
  baseline: {
    ...BASELINE,
    description: 'healthy: 4 queues, IRQs spread, HVM guests, 8 streams paced at 2 Gb/s, per-CPU grant-table rwlock',
  },
  'gnttab-contention': {
    ...BASELINE,
    description: 'baseline with 8 unpaced streams on 8 queues per VIF, their grant copies serialised on each guest\'s grant-table spinlock (old Xen)',
    inject: ['gnttab-lock'],
    guests: [{ queues: 8 }, { queues: 8 }],
    flows: { gbpsEach: null },
    gnttab: { holdNs: 1400 },
  },
  'irq-vcpu0': {
    ...BASELINE,
    description: 'baseline with every event-channel IRQ bound to vCPU 0 (no irqbalance): all netback NAPI on dom0 vCPU 0',
    inject: ['irq-pinned'],
    dom0: { irq: 'vcpu0' },
    guests: [
      { queues: 4, irq: 'vcpu0' },
      { queues: 4, irq: 'vcpu0' },
    ],
  },
  'pv64-tlb': {
    ...BASELINE,
    description: 'baseline with 64-bit PV guests: every syscall switches page tables and flushes the TLB',
    inject: ['tlb-per-syscall'],
    guests: [
      { queues: 4, type: 'pv64' },
      { queues: 4, type: 'pv64' },
    ],
    capture: { domain: 1 },
  },
  'ring-full': {
    ...BASELINE,
    description: 'baseline with 64-slot netfront TX rings (3 skbs) on 2 queues and unpaced streams: the queues spend much of the run stopped',
    inject: ['ring-full'],
    guests: [{ queues: 2 }, { queues: 2 }],
    ring: { txSlots: 64 },
    flows: { gbpsEach: null },
    capture: { domain: 1 },
  },
  multiqueue: {
    description: 'XenServer 7.0 multi-queue calibration: 8 unpaced streams, 8 queues (vary with --sweep queues=1..8); grant copies contend as queues are added',
    inject: ['gnttab-lock'],
  },
  mixed: {
    ...BASELINE,
    description: 'several at once: IRQs on vCPU 0, 64-bit PV sender, 64-slot TX rings, contended grant copies, unpaced streams',
    inject: ['irq-pinned', 'tlb-per-syscall', 'ring-full', 'gnttab-lock'],
    dom0: { irq: 'vcpu0' },
    guests: [
      { queues: 4, irq: 'vcpu0', type: 'pv64' },
      { queues: 4, irq: 'vcpu0' },
    ],
    ring: { txSlots: 64 },
    gnttab: { holdNs: 1400 },
    flows: { gbpsEach: null },
    capture: { domain: 1 },
  },
};

export const SCENARIO_NAMES = Object.keys(BUILTIN);

/** A built-in name or a path to a JSON file (an overlay on DEFAULTS, or on `"base": "<built-in>"`). */
export function loadScenario(nameOrPath: string): Scenario {
  if (nameOrPath in BUILTIN) return validate(overlay(DEFAULTS, { name: nameOrPath, ...BUILTIN[nameOrPath] }));
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch {
    throw new ScenarioError(`"${nameOrPath}" is neither a built-in scenario (${SCENARIO_NAMES.join(', ')}) nor a readable file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${nameOrPath}: not valid JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ScenarioError(`${nameOrPath}: expected a JSON object`);
  const { base, ...patch } = json as Record<string, unknown>;
  if (base !== undefined && (typeof base !== 'string' || !(base in BUILTIN))) throw new ScenarioError(`${nameOrPath}: "base" must name a built-in scenario (${SCENARIO_NAMES.join(', ')})`);
  const start = base === undefined ? DEFAULTS : overlay(DEFAULTS, BUILTIN[base as string]);
  const name = typeof patch.name === 'string' ? patch.name : nameOrPath.replace(/^.*\//, '').replace(/\.json$/, '');
  return validate(overlay(start, { ...patch, name }));
}

/** Apply command-line overrides (duration, capture domain…) on a loaded scenario. */
export function withOverrides(s: Scenario, patch: unknown): Scenario {
  return validate(overlay(s, patch));
}
