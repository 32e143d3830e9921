import { KIND_CODE } from '../../model/schema.js';
import { hypercallName, vmexitName } from './event-names.js';
import { hypercallKind } from './hypercall.js';

/**
 * xentrace_format record names (Xen's `formats` file) → kind and arguments. Site-specific defs
 * files may print anything, so this is best effort: a name we know gets its fields read by key
 * (`dom:vcpu = 0x00010002`), anything else is kept as `other` with its fields as opaque text.
 */
const K = KIND_CODE;

export interface TextRecord {
  kind: number;
  a: [number, number, number, number];
  /** Text for str0 (op name, exit reason, raw fields), or null. */
  str: string | null;
  /** The vCPU now running on this CPU (runstate → running, switch, continue), or null. */
  runs: [number, number] | null;
  /** Not an event: cpu_change and wrap-buffer padding lines. */
  skip: boolean;
  /** Work of Xen itself (physical IRQs): attributed to domain 32767, not to the running vCPU. */
  xen: boolean;
}

const STATES = ['running', 'runnable', 'blocked', 'offline'];
const RUNSTATE = /^(running|runnable|blocked|offline)_to_(running|runnable|blocked|offline)$/;
const SCHED = new Set(['sched_add_domain', 'sched_rem_domain', 'domain_sleep', 'domain_wake', 'do_yield', 'do_block',
  'domain_shutdown', 'sched_ctl', 'sched_adjdom', 's_timer_fn', 't_timer_fn', 'dom_timer_fn', 'switch_infprev',
  'switch_infnext', 'domain_shutdown_code', 'switch_infcont']);
const HVM = new Set(['PF_XEN', 'PF_INJECT', 'INJ_EXC', 'IO_READ', 'IO_WRITE', 'CR_READ', 'DR_READ', 'DR_WRITE',
  'MSR_READ', 'MSR_WRITE', 'CPUID', 'NMI', 'SMI', 'HLT', 'MCE', 'IOPORT_READ', 'IOPORT_WRITE', 'MMIO_READ', 'MMIO_WRITE',
  'CLTS', 'LMSW', 'RDTSC', 'INTR_WINDOW', 'NPF', 'TRAP']);
const IRQ_MGMT = new Set(['cleanup_move_delayed', 'cleanup_move', 'bind_vector', 'clear_vector', 'move_vector', 'assign_vector', 'bogus_vector']);
const GRANT: Record<string, number> = { page_grant_map: 0, page_grant_unmap: 1, page_grant_transfer: 4 };
const UNKNOWN = /^unknown \(0x([0-9a-fA-F]+)\)$/;

/** The number after `key =` (hex with 0x, or decimal), NaN when absent. */
export function field(fields: string, key: string): number {
  const at = fields.indexOf(key);
  if (at < 0) return NaN;
  const m = /^\s*=\s*(0x[0-9a-fA-F]+|-?\d+)/.exec(fields.slice(at + key.length));
  if (m === null) return NaN;
  return m[1].startsWith('0x') ? parseInt(m[1].slice(2), 16) : Number(m[1]);
}

const hi16 = (w: number) => Math.floor(w / 65536);
const lo16 = (w: number) => w % 65536;

export function decodeText(name: string, fields: string): TextRecord {
  const r: TextRecord = { kind: K.other, a: [NaN, NaN, NaN, NaN], str: null, runs: null, skip: false, xen: false };
  const rs = RUNSTATE.exec(name);
  if (rs !== null) {
    const dv = field(fields, 'dom:vcpu');
    r.kind = K.runstate;
    r.a = [hi16(dv), lo16(dv), STATES.indexOf(rs[1]), STATES.indexOf(rs[2])];
    if (rs[2] === 'running' && dv === dv) r.runs = [hi16(dv), lo16(dv)];
    return r;
  }
  if (name === 'cpu_change' || name === 'wrap_buffer') {
    r.skip = true;
    return r;
  }
  if (name === '__enter_scheduler') {
    const prev = field(fields, 'prev<dom:vcpu>');
    const next = field(fields, 'next<dom:vcpu>');
    r.kind = K.vcpu_switch;
    r.a = [hi16(prev), lo16(prev), hi16(next), lo16(next)];
    if (next === next) r.runs = [hi16(next), lo16(next)];
    return r;
  }
  if (name === 'continue_running' || SCHED.has(name) || /^(csched2?|rtds|null|arinc653):/.test(name)) {
    const dv = field(fields, 'dom:vcpu');
    r.kind = K.sched_other;
    r.a = [hi16(dv), lo16(dv), NaN, NaN];
    if (name === 'continue_running' && dv === dv) r.runs = [hi16(dv), lo16(dv)];
    return r;
  }
  if (name === 'lost_records') {
    r.kind = K.lost;
    r.a[0] = parseInt(fields.trim().replace(/^0x/, ''), 16);
    return r;
  }
  if (name === 'VMENTRY' || name === 'nVMENTRY') {
    r.kind = K.vmentry;
    return r;
  }
  if (name === 'VMEXIT' || name === 'nVMEXIT') {
    const reason = field(fields, 'exitcode');
    r.kind = K.vmexit;
    r.a = [reason, field(fields, 'rIP'), NaN, NaN];
    if (reason === reason) r.str = vmexitName(reason);
    return r;
  }
  if (name === 'INJ_VIRQ' || name === 'REINJ_VIRQ') {
    r.kind = K.irq_entry;
    r.a = [field(fields, 'vector'), NaN, field(fields, 'fake'), NaN];
    return r;
  }
  if (name === 'INTR') {
    r.kind = K.irq_vector_entry;
    r.a[0] = field(fields, 'vector');
    return r;
  }
  if ((name === 'CR_WRITE' && field(fields, 'CR#') === 3) || name === 'INVLPG') {
    const invlpga = field(fields, 'is invlpga?') === 1;
    r.kind = K.tlb_flush;
    r.a = [name === 'INVLPG' ? 1 : -1, NaN, NaN, field(fields, name === 'INVLPG' ? 'virt' : 'value')];
    r.str = name === 'INVLPG' ? (invlpga ? 'invlpga' : 'invlpg') : 'cr3';
    return r;
  }
  if (name === 'VMMCALL') {
    const op = field(fields, 'func');
    r.kind = K.hypercall;
    r.a[0] = op;
    if (op === op) r.str = hypercallName(op);
    return r;
  }
  if (HVM.has(name) || name === 'CR_WRITE') {
    r.kind = K.hvm_handler;
    r.str = fields.trim() || null;
    return r;
  }
  if (name in GRANT) {
    r.kind = K.grant_op;
    r.a = [GRANT[name], NaN, field(fields, 'domid'), NaN];
    return r;
  }
  if (name === 'hypercall') {
    // V2 prints the op with the presence bits masked off; v1 prints eax.
    const v2 = field(fields, 'op');
    const op = v2 === v2 ? v2 : field(fields, 'eax');
    // The same kinds as the binary (DESIGN §4): iret = PV syscall return, mmuext_op = TLB flush.
    r.kind = op === op ? hypercallKind(op) : K.hypercall;
    if (r.kind === K.hypercall) r.a[0] = op;
    if (op === op) r.str = hypercallName(op);
    return r;
  }
  if (name === 'trap') {
    const t = field(fields, 'trapnr:error');
    r.kind = K.pv_trap;
    const ip = field(fields, 'eip');
    r.a = [t & 0x7fff, (t >>> 15) & 1 ? t >>> 16 : NaN, ip === ip ? ip : field(fields, 'rip'), NaN];
    return r;
  }
  if (name === 'page_fault') {
    r.kind = K.page_fault;
    const ip = field(fields, 'eip');
    r.a = [field(fields, 'addr'), field(fields, 'error'), ip === ip ? ip : field(fields, 'rip'), NaN];
    return r;
  }
  if (name === 'do_irq') {
    r.kind = K.irq_entry;
    r.a[0] = field(fields, 'irq');
    r.xen = true;
    return r;
  }
  if (IRQ_MGMT.has(name)) {
    r.kind = K.irq_bind;
    const vector = /vector\s*=?\s*0x([0-9a-fA-F]+)/.exec(fields);
    r.a = [field(fields, 'irq'), vector === null ? NaN : parseInt(vector[1], 16), NaN, NaN];
    return r;
  }
  const unknown = UNKNOWN.exec(name);
  if (unknown !== null) r.a[0] = parseInt(unknown[1], 16);
  r.str = fields.trim() || null;
  return r;
}
