import type { TraceModel } from '../../model/trace-model.js';
import type { SectionTable, SummarySection } from './section.js';
import { int, pct } from './section.js';
import type { Counter, Tally, XenStats } from './xen-stats.js';
import { CLASS_NAMES, collect } from './xen-stats.js';

/**
 * xentrace inputs: records by trace class, per-pCPU and per-domain/vCPU activity, hypercalls by
 * op (grant_table_op split by cmd), VMEXITs by reason and IRQs by pCPU — what `xenalyze -s`
 * answers first. The numbers come from one typed pass over the events (xen-stats).
 */
/** Text rows for per-pCPU tables; big hosts have hundreds of pCPUs (the JSON keeps them all). */
const MAX_PCPU_ROWS = 32;
/** HTML table rows: every pCPU and vCPU of a large host, within reason for a report attached to a bug. */
const MAX_TABLE_ROWS = 512;
const NO_HYPERCALLS = 'none traced (PV class 0x0020f000 not enabled, or no PV guests)';
const NO_EXITS = 'none (no HVM guests, or HVM class not traced)';
const NO_IRQS = 'no physical IRQ records (TRC_HW_IRQ 0x00802000) or HVM INTR exits';

const byCount = <T extends { count: number }>(a: [string | number, T], b: [string | number, T]) =>
  b[1].count - a[1].count || String(a[0]).localeCompare(String(b[0]));
const tallyText = (t: Tally, fmt: (k: number) => string, max = 4) =>
  [...t].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, max).map(([k, c]) => `${fmt(k)} ×${int(c)}`).join(', ');
const hex = (v: number) => (v === v ? `0x${v.toString(16)}` : '?');

export const xenSection: SummarySection = {
  id: 'xen',
  applies: (model) => model.meta.format === 'xentrace' && model.eventCount > 0,
  text(model) {
    const s = collect(model);
    const out = [heading(model), `  records by class   ${classes(s).map(([c, v]) => `${c} ${int(v)}`).join(' · ')}`];
    out.push('  per pCPU           records   vmexits  hypercalls  irqs');
    const pcpus = pcpuList(s);
    for (const [p, c] of pcpus.slice(0, MAX_PCPU_ROWS)) {
      out.push(`    pCPU${String(p).padEnd(4)}     ${int(c.records).padStart(9)} ${int(c.vmexits).padStart(9)} ${int(c.hypercalls).padStart(11)} ${int(c.irqs).padStart(5)}`);
    }
    if (pcpus.length > MAX_PCPU_ROWS) out.push(`    … ${pcpus.length - MAX_PCPU_ROWS} more pCPUs (all of them in the JSON details)`);
    out.push('  per domain/vCPU (records attributed to the vCPU running on the pCPU)');
    const vcpus = [...s.perVcpu].sort(byRecords);
    for (const [label, c] of vcpus.slice(0, 12)) {
      out.push(`    ${label.padEnd(12)} ${pct(c.records, s.total)} ${int(c.records).padStart(9)} records · ${int(c.vmexits)} vmexits · ${int(c.hypercalls)} hypercalls`);
    }
    if (vcpus.length > 12) out.push(`    … ${vcpus.length - 12} more`);
    const hcs = [...s.hypercalls].sort(byCount);
    out.push(hcs.length === 0 ? `  hypercalls         ${NO_HYPERCALLS}` : '  hypercalls by op');
    for (const [label, hc] of hcs.slice(0, 15)) {
      const cmds = cmdText(hc.byCmd);
      out.push(`    ${`${label} [${hc.op}]`.padEnd(40)} ${int(hc.count).padStart(9)}${hc.subcalls ? ` (${int(hc.subcalls)} in multicalls)` : ''}${cmds ? `  ${cmds}` : ''}`);
    }
    const exits = exitList(s);
    const allExits = exits.reduce((n, [, y]) => n + y.count, 0);
    out.push(exits.length === 0 ? `  VMEXITs            ${NO_EXITS}` : '  VMEXITs by reason');
    for (const [reason, x] of exits.slice(0, 12)) out.push(`    ${`${x.name} [${reason}]`.padEnd(40)} ${int(x.count).padStart(9)} ${pct(x.count, allExits)}`);
    out.push('  IRQs by pCPU');
    const irqs = irqList(s);
    if (irqs.length === 0) out.push(`    ${NO_IRQS}`);
    for (const [p, irq, intr] of irqs.slice(0, MAX_PCPU_ROWS)) {
      const parts = [irq && `${int(sum(irq))} handled (${irqText(irq)})`, intr && `${int(sum(intr))} HVM INTR exits (${vectorText(intr)})`];
      out.push(`    pCPU${String(p).padEnd(4)} ${parts.filter(Boolean).join(' · ')}`);
    }
    const virqs = virqList(s);
    if (virqs.length > 0) {
      out.push('  virtual IRQs injected, by vCPU');
      for (const [label, t] of virqs.slice(0, 12)) out.push(`    ${label.padEnd(12)} ${int(sum(t)).padStart(9)} (${vectorText(t)})`);
    }
    return out;
  },
  tables(model) {
    const s = collect(model);
    const exits = exitList(s);
    const allExits = exits.reduce((n, [, y]) => n + y.count, 0);
    const share = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
    const tables: SectionTable[] = [
      { title: 'Records by class', head: ['class', 'records'], rows: classes(s) },
      { title: 'Per pCPU', head: ['pCPU', 'records', 'vmexits', 'hypercalls', 'irqs'], rows: pcpuList(s).map(([p, c]) => [p, c.records, c.vmexits, c.hypercalls, c.irqs]) },
      {
        title: 'Per domain/vCPU (records attributed to the vCPU running on the pCPU)',
        head: ['vCPU', 'share', 'records', 'vmexits', 'hypercalls'],
        rows: [...s.perVcpu].sort(byRecords).map(([label, c]) => [label, share(c.records, s.total), c.records, c.vmexits, c.hypercalls]),
      },
      {
        title: 'Hypercalls by op',
        head: ['hypercall', 'op', 'calls', 'in multicalls', 'by cmd'],
        rows: [...s.hypercalls].sort(byCount).map(([label, hc]) => [label, hc.op, hc.count, hc.subcalls, cmdText(hc.byCmd)]),
      },
      { title: 'VMEXITs by reason', head: ['reason', 'code', 'exits', 'share'], rows: exits.map(([reason, x]) => [x.name, reason, x.count, share(x.count, allExits)]) },
      {
        title: 'IRQs by pCPU',
        head: ['pCPU', 'handled', 'IRQs', 'HVM INTR exits', 'vectors'],
        rows: irqList(s).map(([p, irq, intr]) => [p, irq ? sum(irq) : 0, irq ? irqText(irq) : '', intr ? sum(intr) : 0, intr ? vectorText(intr) : '']),
      },
      { title: 'Virtual IRQs injected, by vCPU', head: ['vCPU', 'injected', 'vectors'], rows: virqList(s).map(([label, t]) => [label, sum(t), vectorText(t)]) },
    ];
    return { heading: heading(model), tables: tables.filter((t) => t.rows.length > 0).map((t) => ({ ...t, rows: t.rows.slice(0, MAX_TABLE_ROWS) })) };
  },
  json(model) {
    const s = collect(model);
    const h = model.meta.header;
    const obj = <V>(entries: [string | number, V][]) => Object.fromEntries(entries.map(([k, v]) => [String(k), v]));
    const tally = (t: Tally) => obj([...t].sort((a, b) => a[0] - b[0]));
    return {
      cpu_hz: model.meta.cpuHz,
      cpu_hz_assumed: (h['cpu hz'] ?? '').includes('assumed'),
      windows: h.windows === undefined ? null : Number(h.windows),
      wrap_padding_records: h['wrap padding records'] === undefined ? null : Number(h['wrap padding records']),
      lost_records: h['lost records'] === undefined ? null : Number(h['lost records']),
      by_class: obj(CLASS_NAMES.map((c, i) => [c, s.byClass[i]] as [string, number]).filter(([, v]) => v > 0)),
      per_pcpu: obj(pcpuList(s).map(([p, c]) => [p, c])),
      per_vcpu: obj([...s.perVcpu].sort(byRecords)),
      hypercalls: [...s.hypercalls].sort(byCount).map(([name, hc]) => ({ name, op: hc.op, count: hc.count, subcalls: hc.subcalls, by_cmd: obj([...hc.byCmd].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) })),
      vmexits: exitList(s).map(([reason, x]) => ({ reason, name: x.name, count: x.count })),
      irqs_by_pcpu: obj([...s.irqByPcpu].sort((a, b) => a[0] - b[0]).map(([p, t]) => [p, tally(t)])),
      hvm_intr_by_pcpu: obj([...s.intrByPcpu].sort((a, b) => a[0] - b[0]).map(([p, t]) => [p, tally(t)])),
      virq_by_vcpu: obj([...s.virqByVcpu].sort((a, b) => a[0].localeCompare(b[0])).map(([v, t]) => [v, tally(t)])),
    };
  },
};

/** The block's first line: layout, clock, windows, padding and losses. */
function heading(model: TraceModel): string {
  const h = model.meta.header;
  const hz = model.meta.cpuHz;
  const clock = hz === null ? 'times in seconds' : `TSC ${hz / 1e9} GHz${(h['cpu hz'] ?? '').includes('assumed') ? ' (assumed: pass --cpu-hz)' : ''}`;
  return `Xen: ${h.layout ?? 'xentrace'} · ${clock}${h.windows ? ` · ${h.windows} windows` : ''}${h['wrap padding records'] ? ` · ${h['wrap padding records']} wrap-buffer padding records skipped` : ''}${h['lost records'] && h['lost records'] !== '0' ? ` · ${h['lost records']} records LOST` : ''}`;
}

const classes = (s: XenStats) =>
  CLASS_NAMES.map((c, i) => [c, s.byClass[i]] as [string, number]).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
const pcpuList = (s: XenStats) => s.perPcpu.flatMap((c, p) => (c ? [[p, c] as const] : []));
const exitList = (s: XenStats) => [...s.vmexits].sort((a, b) => b[1].count - a[1].count || a[0] - b[0]);
const irqList = (s: XenStats) =>
  [...new Set([...s.irqByPcpu.keys(), ...s.intrByPcpu.keys()])].sort((a, b) => a - b).map((p) => [p, s.irqByPcpu.get(p), s.intrByPcpu.get(p)] as const);
const virqList = (s: XenStats) => [...s.virqByVcpu].sort((a, b) => sum(b[1]) - sum(a[1]) || a[0].localeCompare(b[0]));
const cmdText = (byCmd: Map<string, number>) => [...byCmd].sort((a, b) => b[1] - a[1]).map(([c, v]) => `${c} ${int(v)}`).join(' · ');
const irqText = (t: Tally) => tallyText(t, (k) => `irq ${k}`);
const vectorText = (t: Tally) => tallyText(t, (k) => `vector ${hex(k)}`);

function byRecords(a: [string, Counter], b: [string, Counter]): number {
  return b[1].records - a[1].records || a[0].localeCompare(b[0]);
}

function sum(t: Tally): number {
  let n = 0;
  for (const v of t.values()) n += v;
  return n;
}
