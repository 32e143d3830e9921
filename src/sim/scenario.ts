/**
 * A scenario: every parameter of a simulated host, as plain JSON. Built-in scenarios and
 * user files are overlays on DEFAULTS (deep merge), validated key by key so a typo in a
 * user's file is an error naming the key, never a silently ignored setting.
 */
export const DETECTOR_IDS = ['irq-pinned', 'tlb-per-syscall', 'gnttab-lock', 'ring-full'] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

export type GuestType = 'hvm' | 'pv64';
export type IrqPolicy = 'spread' | 'vcpu0';

export interface GuestSpec {
  id: number;
  vcpus: number;
  type: GuestType;
  /** Netfront queues on the guest's VIF (multi-queue); one netback NAPI/kthread pair each. */
  queues: number;
  irq: IrqPolicy;
}

/** Costs in ns of CPU time (jittered per use by `costs.cv`). See README "Calibration". */
export interface Costs {
  cv: number;
  syscall: number;
  pv64Syscall: number;
  userCopyPerKiB: number;
  netfrontXmit: number;
  netfrontSlot: number;
  notify: number;
  hvmExit: number;
  irq: number;
  txGcPerPkt: number;
  backTxPkt: number;
  backTxSlot: number;
  forward: number;
  backRxPkt: number;
  backRxSlot: number;
  /** Xen's grant copy of one page (inside GNTTABOP_copy), part of backTxSlot and backRxSlot. */
  gnttabCopySlot: number;
  napiPkt: number;
  rxRefillSlot: number;
  ackPkt: number;
  notifyLatency: number;
  wakeLatency: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** The pathologies this scenario injects (detector ids); the truth file lists them. */
  inject: DetectorId[];
  durationMs: number;
  /** Throughput is measured after this much simulated time (TCP ramp, empty rings). */
  warmupMs: number;
  host: { pcpus: number; cpuMhz: number; cpuName: string; xenVersion: string };
  dom0: { vcpus: number; irq: IrqPolicy };
  guests: GuestSpec[];
  flows: {
    count: number;
    from: number;
    to: number;
    /** Offered rate per stream (iperf -b); null = as fast as the path allows. */
    gbpsEach: number | null;
    /** Bytes per skb handed to netfront (a GSO segment). */
    skbBytes: number;
    /** TCP window in skbs: a stream waits for ACKs beyond this many in flight. */
    windowSkbs: number;
    srcPortBase: number;
    dstPort: number;
  };
  ring: { txSlots: number; rxSlots: number };
  /** Grant copies take the granting domain's grant-table lock for `holdNs` per op. */
  gnttab: { holdNs: number; batchSlots: number };
  costs: Costs;
  /** What perf/ftrace record: one domain's view (they run inside one kernel). */
  capture: { domain: number; sampleHz: number; hypervisorFrames: 'resolved' | 'stub' };
  xentrace: { pollMs: number; lostEveryMs: number };
  xenoprof: { count: number; report: 'flat' | 'callgraph' };
}

export const DEFAULTS: Scenario = {
  name: 'default',
  description: 'two 8-vCPU guests on one XenServer 7.0-like host, 8 TCP streams guest 1 → guest 2',
  inject: [],
  durationMs: 100,
  warmupMs: 10,
  host: { pcpus: 48, cpuMhz: 2500, cpuName: 'Intel Haswell microarchitecture', xenVersion: '4.6.1-xs125300' },
  dom0: { vcpus: 16, irq: 'spread' },
  guests: [
    { id: 1, vcpus: 8, type: 'hvm', queues: 8, irq: 'spread' },
    { id: 2, vcpus: 8, type: 'hvm', queues: 8, irq: 'spread' },
  ],
  flows: { count: 8, from: 1, to: 2, gbpsEach: null, skbBytes: 65160, windowSkbs: 48, srcPortBase: 41483, dstPort: 5001 },
  ring: { txSlots: 256, rxSlots: 256 },
  gnttab: { holdNs: 650, batchSlots: 64 },
  costs: {
    cv: 0.15,
    syscall: 350,
    pv64Syscall: 1900,
    userCopyPerKiB: 80,
    netfrontXmit: 1200,
    netfrontSlot: 110,
    notify: 450,
    hvmExit: 900,
    irq: 700,
    txGcPerPkt: 600,
    backTxPkt: 2200,
    backTxSlot: 700,
    forward: 1400,
    backRxPkt: 2400,
    backRxSlot: 1650,
    gnttabCopySlot: 700,
    napiPkt: 2200,
    rxRefillSlot: 60,
    ackPkt: 500,
    notifyLatency: 2500,
    wakeLatency: 5000,
  },
  capture: { domain: 0, sampleHz: 999, hypervisorFrames: 'resolved' },
  xentrace: { pollMs: 20, lostEveryMs: 0 },
  xenoprof: { count: 100000, report: 'flat' },
};

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Overlay `patch` on `base`: objects merge key by key, arrays and scalars replace. */
export function overlay<T>(base: T, patch: unknown, path = 'scenario'): T {
  if (patch === undefined) return structuredClone(base);
  const b = base as unknown as Json;
  if (b !== null && typeof b === 'object' && !Array.isArray(b)) {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new ScenarioError(`${path}: expected an object`);
    const out: Record<string, unknown> = structuredClone(b) as Record<string, unknown>;
    for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
      if (!(k in out)) throw new ScenarioError(`${path}.${k}: unknown setting (known: ${Object.keys(out).join(', ')})`);
      out[k] = overlay(out[k], v, `${path}.${k}`);
    }
    return out as T;
  }
  if (Array.isArray(b)) {
    if (!Array.isArray(patch)) throw new ScenarioError(`${path}: expected an array`);
    // Arrays of objects (guests) overlay element-wise, so a file can say just `{ "type": "pv64" }`.
    const template = b[0];
    if (template !== null && typeof template === 'object' && !Array.isArray(template)) {
      return patch.map((p, i) => overlay(b[i] ?? template, p, `${path}[${i}]`)) as T;
    }
    return structuredClone(patch) as T;
  }
  if (b !== null && typeof patch !== typeof b) throw new ScenarioError(`${path}: expected a ${typeof b}, got ${JSON.stringify(patch)}`);
  return patch as T;
}

/** Check ranges and cross-references; returns the scenario for chaining. */
export function validate(s: Scenario): Scenario {
  const fail = (m: string): never => {
    throw new ScenarioError(`scenario "${s.name}": ${m}`);
  };
  const posInt = (v: number, what: string, max = 1 << 20) => {
    if (!Number.isInteger(v) || v < 1 || v > max) fail(`${what} must be an integer in 1..${max} (got ${v})`);
  };
  posInt(s.durationMs, 'durationMs', 600_000);
  if (!(s.warmupMs >= 0 && s.warmupMs < s.durationMs)) fail('warmupMs must be ≥ 0 and below durationMs');
  posInt(s.dom0.vcpus, 'dom0.vcpus', 512);
  for (const id of s.inject) if (!DETECTOR_IDS.includes(id)) fail(`inject: unknown detector "${id}" (known: ${DETECTOR_IDS.join(', ')})`);
  const ids = new Set<number>();
  let total = s.dom0.vcpus;
  for (const g of s.guests) {
    posInt(g.id, 'guest id', 32767);
    if (ids.has(g.id)) fail(`guest id ${g.id} appears twice`);
    ids.add(g.id);
    posInt(g.vcpus, `guest ${g.id} vcpus`, 512);
    posInt(g.queues, `guest ${g.id} queues`, 64);
    if (g.type !== 'hvm' && g.type !== 'pv64') fail(`guest ${g.id} type must be "hvm" or "pv64"`);
    for (const p of [g.irq, s.dom0.irq]) if (p !== 'spread' && p !== 'vcpu0') fail('irq policy must be "spread" or "vcpu0"');
    total += g.vcpus;
  }
  if (total > s.host.pcpus) fail(`${total} vCPUs do not fit on ${s.host.pcpus} pCPUs (the model pins every vCPU)`);
  if (!ids.has(s.flows.from) || !ids.has(s.flows.to) || s.flows.from === s.flows.to) fail('flows.from and flows.to must name two different guests');
  posInt(s.flows.count, 'flows.count', 4096);
  posInt(s.flows.skbBytes, 'flows.skbBytes', 65535);
  posInt(s.flows.windowSkbs, 'flows.windowSkbs', 65536);
  if (s.flows.gbpsEach !== null && !(s.flows.gbpsEach > 0)) fail('flows.gbpsEach must be positive or null');
  const minSlots = Math.ceil(s.flows.skbBytes / 4096) + 2;
  for (const [k, v] of Object.entries(s.ring)) if (!Number.isInteger(v) || v < minSlots || v > 4096) fail(`ring.${k} must hold at least one skb (${minSlots}..4096 slots)`);
  if (s.capture.domain !== 0 && !ids.has(s.capture.domain)) fail(`capture.domain ${s.capture.domain} is not a domain of this scenario`);
  if (!(s.capture.sampleHz > 0 && s.capture.sampleHz <= 100_000)) fail('capture.sampleHz must be in (0, 100000]');
  if (!(s.xentrace.pollMs > 0) || !(s.xentrace.lostEveryMs >= 0)) fail('xentrace.pollMs must be > 0 and lostEveryMs ≥ 0');
  posInt(s.xenoprof.count, 'xenoprof.count', 1 << 30);
  for (const [k, v] of Object.entries(s.costs)) if (!(v >= 0) || !Number.isFinite(v)) fail(`costs.${k} must be a finite number ≥ 0`);
  if (s.costs.gnttabCopySlot > Math.min(s.costs.backTxSlot, s.costs.backRxSlot)) fail('costs.gnttabCopySlot is part of backTxSlot and backRxSlot: it cannot exceed them');
  if (!(s.gnttab.holdNs >= 0)) fail('gnttab.holdNs must be ≥ 0');
  posInt(s.gnttab.batchSlots, 'gnttab.batchSlots', 4096);
  return s;
}

export function guestOf(s: Scenario, id: number): GuestSpec {
  const g = s.guests.find((x) => x.id === id);
  if (g === undefined) throw new ScenarioError(`no guest ${id}`);
  return g;
}
