/**
 * xentrace event ids → names and decoder codes, hypercall / GNTTABOP / VMX exit-reason names.
 * Facts from xen/include/public/trace.h, the per-scheduler TRC_SCHED_CLASS_EVT ids in
 * xen/common/sched/*.c, xen.h hypercall numbers and the Intel SDM exit reasons (FORMATS.md §3).
 *
 * Names follow the public header's macros (TRC_SCHED_SWITCH, TRC_HVM_VMEXIT64 …); scheduler-
 * internal records keep the `sched:event` names of Xen's old `formats` file (`csched2:credit burn`),
 * because those are what xentrace_format users have always read.
 */

/** What the record decoder does with an id (one switch case each). */
export const enum Code {
  Other = 0, // known, no canonical kind: id + words
  Unknown, // not in the table: id + words + hex text
  Lost,
  Wrap,
  CpuChange,
  Runstate,
  Continue,
  Switch,
  SchedOther,
  VmEntry,
  VmExit,
  InjVirq,
  Intr,
  CrWrite,
  Invlpg,
  VmmCall,
  HvmHandler,
  HypercallV2,
  HypercallV1,
  PvTrap,
  PvPageFault,
  Grant,
  IrqHandled,
  IrqBind,
}

/** Bit 8 of the minor id: the record carries 64-bit addresses (two words each). */
export const TRC_64_FLAG = 0x100;
export const TRC_LOST_RECORDS = 0x1f001;
export const TRC_TRACE_WRAP_BUFFER = 0x1f002;
export const TRC_TRACE_CPU_CHANGE = 0x1f003;
/** The first word of every current-format file: a cpu_change header with two extra words. */
export const CPU_CHANGE_WORD = 0x2001f003;

const EXACT: Record<number, [string, Code]> = {
  0x1f001: ['TRC_LOST_RECORDS', Code.Lost],
  0x1f002: ['TRC_TRACE_WRAP_BUFFER', Code.Wrap],
  0x1f003: ['TRC_TRACE_CPU_CHANGE', Code.CpuChange],
  0x1f004: ['TRC_TRACE_IRQ', Code.Other],
  0x21002: ['TRC_SCHED_CONTINUE_RUNNING', Code.Continue],
  0x2800a: ['TRC_SCHED_SWITCH', Code.Switch],
  0x41001: ['TRC_DOM0_DOM_ADD', Code.Other],
  0x41002: ['TRC_DOM0_DOM_REM', Code.Other],
  0x81001: ['TRC_HVM_VMENTRY', Code.VmEntry],
  0x81002: ['TRC_HVM_VMEXIT', Code.VmExit],
  0x81102: ['TRC_HVM_VMEXIT64', Code.VmExit],
  0x81401: ['TRC_HVM_NESTED_VMENTRY', Code.VmEntry],
  0x81402: ['TRC_HVM_NESTED_VMEXIT', Code.VmExit],
  0x81502: ['TRC_HVM_NESTED_VMEXIT64', Code.VmExit],
  0x82004: ['TRC_HVM_INJ_VIRQ', Code.InjVirq],
  0x82005: ['TRC_HVM_REINJ_VIRQ', Code.InjVirq],
  0x8200f: ['TRC_HVM_INTR', Code.Intr],
  0x82009: ['TRC_HVM_CR_WRITE', Code.CrWrite],
  0x82109: ['TRC_HVM_CR_WRITE64', Code.CrWrite],
  0x82014: ['TRC_HVM_INVLPG', Code.Invlpg],
  0x82114: ['TRC_HVM_INVLPG64', Code.Invlpg],
  0x82012: ['TRC_HVM_VMMCALL', Code.VmmCall],
  0x10f001: ['TRC_MEM_PAGE_GRANT_MAP', Code.Grant],
  0x10f002: ['TRC_MEM_PAGE_GRANT_UNMAP', Code.Grant],
  0x10f003: ['TRC_MEM_PAGE_GRANT_TRANSFER', Code.Grant],
  0x10f004: ['TRC_MEM_SET_P2M_ENTRY', Code.Other],
  0x10f005: ['TRC_MEM_DECREASE_RESERVATION', Code.Other],
  0x10f010: ['TRC_MEM_POD_POPULATE', Code.Other],
  0x10f011: ['TRC_MEM_POD_ZERO_RECLAIM', Code.Other],
  0x10f012: ['TRC_MEM_POD_SUPERPAGE_SPLINTER', Code.Other],
  0x20100d: ['TRC_PV_HYPERCALL_V2', Code.HypercallV2],
  0x20200e: ['TRC_PV_HYPERCALL_SUBCALL', Code.HypercallV2],
  0x801001: ['TRC_PM_FREQ_CHANGE', Code.Other],
  0x801002: ['TRC_PM_IDLE_ENTRY', Code.Other],
  0x801003: ['TRC_PM_IDLE_EXIT', Code.Other],
  0x802001: ['TRC_HW_IRQ_MOVE_CLEANUP_DELAY', Code.IrqBind],
  0x802002: ['TRC_HW_IRQ_MOVE_CLEANUP', Code.IrqBind],
  0x802003: ['TRC_HW_IRQ_BIND_VECTOR', Code.IrqBind],
  0x802004: ['TRC_HW_IRQ_CLEAR_VECTOR', Code.IrqBind],
  0x802005: ['TRC_HW_IRQ_MOVE_FINISH', Code.IrqBind],
  0x802006: ['TRC_HW_IRQ_ASSIGN_VECTOR', Code.IrqBind],
  0x802007: ['TRC_HW_IRQ_UNMAPPED_VECTOR', Code.IrqBind],
  0x802008: ['TRC_HW_IRQ_HANDLED', Code.IrqHandled],
};

// TRC_SCHED_VERBOSE + n (0x28000 + n).
const SCHED_VERBOSE = ['', 'DOM_ADD', 'DOM_REM', 'SLEEP', 'WAKE', 'YIELD', 'BLOCK', 'SHUTDOWN', 'CTL', 'ADJDOM', 'SWITCH',
  'S_TIMER_FN', 'T_TIMER_FN', 'DOM_TIMER_FN', 'SWITCH_INFPREV', 'SWITCH_INFNEXT', 'SHUTDOWN_CODE', 'SWITCH_INFCONT'];

// Scheduler-specific records: bits 11..9 name the scheduler, bits 8..0 the event (TRC_SCHED_CLASS_EVT).
const SCHEDULERS: Record<number, [string, string[]]> = {
  0: ['csched', ['', 'sched_tasklet', 'account_start', 'account_stop', 'stolen_vcpu', 'picked_cpu', 'tickle', 'boost',
    'unboost', 'schedule', 'ratelimit', 'steal_check']],
  1: ['csched2', ['', 'tick', 'runq_pos', 'credit burn', 'credit_add', 'tickle_check', 'tickle', 'credit_reset',
    'sched_tasklet', 'update_load', 'runq_assign', 'updt_vcpu_load', 'updt_runq_load', 'tickle_new', 'runq_max_weight',
    'migrate', 'load_check', 'load_balance', '', 'pick_cpu', 'runq_candidate', 'schedule', 'ratelimit', 'runq_cand_chk']],
  3: ['arinc653', []],
  4: ['rtds', ['', 'tickle', 'runq_pick', 'burn_budget', 'repl_budget', 'sched_tasklet', 'schedule']],
  5: ['null', ['', 'pick_cpu', 'assign', 'deassign', 'migrate', 'schedule', 'sched_tasklet']],
};

// TRC_HVM_HANDLER + minor (without the 64-bit flag) for handlers with no canonical kind.
const HVM_HANDLERS: Record<number, string> = {
  0x01: 'PF_XEN', 0x02: 'PF_INJECT', 0x03: 'INJ_EXC', 0x06: 'IO_READ', 0x07: 'IO_WRITE', 0x08: 'CR_READ',
  0x0a: 'DR_READ', 0x0b: 'DR_WRITE', 0x0c: 'MSR_READ', 0x0d: 'MSR_WRITE', 0x0e: 'CPUID', 0x10: 'NMI', 0x11: 'SMI',
  0x13: 'HLT', 0x15: 'MCE', 0x16: 'IOPORT_READ', 0x17: 'IOMEM_READ', 0x18: 'CLTS', 0x19: 'LMSW', 0x1a: 'RDTSC',
  0x20: 'INTR_WINDOW', 0x21: 'NPF', 0x22: 'REALMODE_EMULATE', 0x23: 'TRAP', 0x24: 'TRAP_DEBUG', 0x25: 'VLAPIC',
  0x216: 'IOPORT_WRITE', 0x217: 'IOMEM_WRITE',
};

const HVM_EMUL = ['', 'HPET_START_TIMER', 'PIT_START_TIMER', 'RTC_START_TIMER', 'LAPIC_START_TIMER', 'HPET_STOP_TIMER',
  'PIT_STOP_TIMER', 'RTC_STOP_TIMER', 'LAPIC_STOP_TIMER', 'PIT_TIMER_CB', 'LAPIC_TIMER_CB', 'PIC_INT_OUTPUT', 'PIC_KICK',
  'PIC_INTACK', 'PIC_POSEDGE', 'PIC_NEGEDGE', 'PIC_PEND_IRQ_CALL', 'LAPIC_PIC_INTR'];

const PV_ENTRY = ['', 'HYPERCALL', '', 'TRAP', 'PAGE_FAULT', 'FORCED_INVALID_OP', 'EMULATE_PRIVOP', 'EMULATE_4GB',
  'MATH_STATE_RESTORE', 'PAGING_FIXUP', 'GDT_LDT_MAPPING_FAULT', 'PTWR_EMULATION', 'PTWR_EMULATION_PAE'];

const SHADOW = ['', 'NOT_SHADOW', 'FAST_PROPAGATE', 'FAST_MMIO', 'FALSE_FAST_PATH', 'MMIO', 'FIXUP', 'DOMF_DYING',
  'EMULATE', 'EMULATE_UNSHADOW_USER', 'EMULATE_UNSHADOW_EVTINJ', 'EMULATE_UNSHADOW_UNHANDLED', 'WRMAP_BF',
  'PREALLOC_UNPIN', 'RESYNC_FULL', 'RESYNC_ONLY'];

const RUNSTATES = ['running', 'runnable', 'blocked', 'offline'];
export const runstateName = (s: number) => RUNSTATES[s] ?? `state${s}`;

/** Name and decoder code of a 28-bit event id. Called once per distinct id (results are cached). */
export function classify(id: number): [string, Code] {
  const exact = EXACT[id];
  if (exact !== undefined) return exact;
  const sub = id & 0x0ffff000;
  const minor = id & 0xfff;
  if (sub === 0x21000 && (minor & 0xf) === 1 && minor < 0x400) return ['TRC_SCHED_RUNSTATE_CHANGE', Code.Runstate];
  if (sub === 0x28000 && SCHED_VERBOSE[minor]) return [`TRC_SCHED_${SCHED_VERBOSE[minor]}`, Code.SchedOther];
  if (sub === 0x22000) {
    const [sched, events] = SCHEDULERS[minor >> 9] ?? [`sched${minor >> 9}`, []];
    const ev = minor & 0x1ff;
    return [`${sched}:${events[ev] || `event_${ev}`}`, Code.SchedOther];
  }
  if (sub === 0x82000) {
    const name = HVM_HANDLERS[minor] ?? HVM_HANDLERS[minor & ~TRC_64_FLAG];
    if (name !== undefined) return [`TRC_HVM_${name}${minor & TRC_64_FLAG && minor < 0x200 ? '64' : ''}`, Code.HvmHandler];
  }
  if (sub === 0x84000 && HVM_EMUL[minor]) return [`TRC_HVM_EMUL_${HVM_EMUL[minor]}`, Code.Other];
  if (sub === 0x201000) {
    const base = minor & ~TRC_64_FLAG;
    const suffix = minor & TRC_64_FLAG ? '64' : '';
    if (base === 1) return [`TRC_PV_HYPERCALL${suffix}`, Code.HypercallV1];
    if (base === 3) return [`TRC_PV_TRAP${suffix}`, Code.PvTrap];
    if (base === 4) return [`TRC_PV_PAGE_FAULT${suffix}`, Code.PvPageFault];
    if (PV_ENTRY[base]) return [`TRC_PV_${PV_ENTRY[base]}${suffix}`, Code.Other];
  }
  if (sub === 0x40f000) {
    const base = minor & ~TRC_64_FLAG;
    if (SHADOW[base]) return [`TRC_SHADOW_${SHADOW[base]}${minor & TRC_64_FLAG ? '64' : ''}`, Code.Other];
  }
  return [unknownName(id), Code.Unknown];
}

export const unknownName = (id: number) => `unknown (0x${id.toString(16).padStart(8, '0')})`;

/** Hypercall numbers (xen/include/public/xen.h). */
const HYPERCALLS = ['set_trap_table', 'mmu_update', 'set_gdt', 'stack_switch', 'set_callbacks', 'fpu_taskswitch',
  'sched_op_compat', 'platform_op', 'set_debugreg', 'get_debugreg', 'update_descriptor', '', 'memory_op', 'multicall',
  'update_va_mapping', 'set_timer_op', 'event_channel_op_compat', 'xen_version', 'console_io', 'physdev_op_compat',
  'grant_table_op', 'vm_assist', 'update_va_mapping_otherdomain', 'iret', 'vcpu_op', 'set_segment_base', 'mmuext_op',
  'xsm_op', 'nmi_op', 'sched_op', 'callback_op', 'xenoprof_op', 'event_channel_op', 'physdev_op', 'hvm_op', 'sysctl',
  'domctl', 'kexec_op', 'tmem_op', 'argo_op', 'xenpmu_op', 'dm_op', 'hypfs_op'];
export const HYPERCALL_GRANT_TABLE_OP = 20;
export const HYPERCALL_IRET = 23;
export const HYPERCALL_MMUEXT_OP = 26;

export function hypercallName(op: number): string {
  if (op >= 48 && op <= 55) return `arch_${op - 48}`;
  return HYPERCALLS[op] || `hypercall_${op}`;
}

const GNTTABOP = ['map_grant_ref', 'unmap_grant_ref', 'setup_table', 'dump_table', 'transfer', 'copy', 'query_size',
  'unmap_and_replace', 'set_version', 'get_status_frames', 'get_version', 'swap_grant_ref', 'cache_flush'];
export const gnttabCmdName = (cmd: number) => GNTTABOP[cmd] ?? `cmd_${cmd}`;

/** VMX basic exit reasons (Intel SDM vol. 3 appendix C), as xenalyze prints them. */
const VMX_EXIT = ['EXCEPTION_NMI', 'EXTERNAL_INTERRUPT', 'TRIPLE_FAULT', 'INIT', 'SIPI', 'IO_SMI', 'OTHER_SMI',
  'PENDING_VIRT_INTR', 'PENDING_VIRT_NMI', 'TASK_SWITCH', 'CPUID', 'GETSEC', 'HLT', 'INVD', 'INVLPG', 'RDPMC', 'RDTSC',
  'RSM', 'VMCALL', 'VMCLEAR', 'VMLAUNCH', 'VMPTRLD', 'VMPTRST', 'VMREAD', 'VMRESUME', 'VMWRITE', 'VMXOFF', 'VMXON',
  'CR_ACCESS', 'DR_ACCESS', 'IO_INSTRUCTION', 'MSR_READ', 'MSR_WRITE', 'INVALID_GUEST_STATE', 'MSR_LOADING', '',
  'MWAIT_INSTRUCTION', 'MONITOR_TRAP_FLAG', '', 'MONITOR_INSTRUCTION', 'PAUSE_INSTRUCTION', 'MCE_DURING_VMENTRY', '',
  'TPR_BELOW_THRESHOLD', 'APIC_ACCESS', 'EOI_INDUCED', 'ACCESS_GDTR_OR_IDTR', 'ACCESS_LDTR_OR_TR', 'EPT_VIOLATION',
  'EPT_MISCONFIG', 'INVEPT', 'RDTSCP', 'VMX_PREEMPTION_TIMER_EXPIRED', 'INVVPID', 'WBINVD', 'XSETBV', 'APIC_WRITE',
  'RDRAND', 'INVPCID', 'VMFUNC', 'ENCLS', 'RDSEED', 'PML_FULL', 'XSAVES', 'XRSTORS'];
export const vmexitName = (reason: number) => VMX_EXIT[reason & 0xffff] || `EXIT_${reason}`;
