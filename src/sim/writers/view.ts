import type { VCpu } from '../cpu.js';
import type { SimRun } from '../simulate.js';

/** perf and ftrace run inside one kernel: they see the captured domain's vCPUs, numbered 0..n-1. */
export interface CapturedView {
  domain: number;
  cpus: VCpu[];
  ethQueues: number;
}

export function captured(run: SimRun): CapturedView {
  const domain = run.scenario.capture.domain;
  const d = run.domains.get(domain);
  if (d === undefined) throw new Error(`no domain ${domain}`);
  const g = run.scenario.guests.find((x) => x.id === domain);
  return { domain, cpus: d.vcpus, ethQueues: g?.queues ?? 1 };
}

/** Facts a header repeats: fixed per scenario so that the same seed gives the same bytes. */
export function hostFacts(run: SimRun) {
  const domain = run.scenario.capture.domain;
  const dom0 = domain === 0;
  const d = run.domains.get(domain) as { vcpus: VCpu[] };
  return {
    capturedOn: 'Sat Jul  2 10:21:07 2016',
    hostname: dom0 ? 'xs7-host' : `guest${domain}`,
    osRelease: dom0 ? '4.4.0+10' : '4.19.0-6-amd64',
    cpuDesc: `Intel(R) Xeon(R) CPU E5-2680 v3 @ ${(run.scenario.host.cpuMhz / 1000).toFixed(2)}GHz`,
    memoryKb: dom0 ? 4194304 : 2097152 * Math.max(1, Math.round(d.vcpus.length / 4)),
  };
}
