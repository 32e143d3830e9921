import type { Kind } from '../../model/schema.js';

/**
 * Tracepoints the detectors use, one entry each: the canonical kind, the payload layouts
 * seen in the wild (kernel TP_printk, older kernels, trace-cmd plugin rewrites), and
 * which slots become the model's a0..a3/str0 (see model/schema.ts KINDS).
 *
 * Shared by every text format (perf script and ftrace print the same payloads). Adding
 * an event is one entry here; nothing else changes.
 */
export interface EventSpec {
  /** Short tracepoint names (without `system:`); a trailing `*` matches a prefix. */
  names: string[];
  kind: Kind;
  templates: string[];
  a0?: string;
  a1?: string;
  a2?: string;
  a3?: string;
  str0?: string;
  /** Constant arguments for events whose payload says nothing (e.g. a full TLB flush). */
  constants?: Partial<Record<'a0' | 'a1' | 'a2' | 'a3', number>>;
  /** str0 from the event name after this prefix (syscalls:sys_enter_read → `read`). */
  str0FromNameAfter?: string;
}

const X86_VECTORS = [
  'local_timer', 'spurious_apic', 'error_apic', 'x86_platform_ipi', 'irq_work', 'reschedule',
  'call_function', 'call_function_single', 'thermal_apic', 'threshold_apic', 'deferred_error_apic',
];

const SCHED_SWITCH_KERNEL =
  'prev_comm={prev_comm:str} prev_pid={prev_pid:int} prev_prio={prev_prio:int} prev_state={prev_state:state} ==> next_comm={next_comm:str} next_pid={next_pid:int} next_prio={next_prio:int}';
const SCHED_SWITCH_TRACE_CMD =
  '{prev_comm:str}:{prev_pid:int} [{prev_prio:int}] {prev_state:state} ==> {next_comm:str}:{next_pid:int} [{next_prio:int}]';
const SCHED_SWITCH_TRACE_CMD_W = '{prev_comm:str}:{prev_pid:int} [{prev_prio:int}] W ==> {next_comm:str}:{next_pid:int} [{next_prio:int}]';

export const EVENT_SPECS: EventSpec[] = [
  { names: ['irq_handler_entry'], kind: 'irq_entry', templates: ['irq={irq:int} name={name:str}', 'irq={irq:int} handler={name:str}'], a0: 'irq', str0: 'name' },
  { names: ['irq_handler_exit'], kind: 'irq_exit', templates: ['irq={irq:int} ret={ret:enum(unhandled,handled)}'], a0: 'irq', a1: 'ret' },
  { names: ['softirq_entry'], kind: 'softirq_entry', templates: ['vec={vec:int} [action={action:str}]'], a0: 'vec', str0: 'action' },
  { names: ['softirq_exit'], kind: 'softirq_exit', templates: ['vec={vec:int} [action={action:str}]'], a0: 'vec', str0: 'action' },
  { names: ['softirq_raise'], kind: 'softirq_raise', templates: ['vec={vec:int} [action={action:str}]'], a0: 'vec', str0: 'action' },
  { names: X86_VECTORS.map((v) => `${v}_entry`), kind: 'irq_vector_entry', templates: ['vector={vector:int}'], a0: 'vector' },
  { names: X86_VECTORS.map((v) => `${v}_exit`), kind: 'irq_vector_exit', templates: ['vector={vector:int}'], a0: 'vector' },
  {
    names: ['sys_enter'], kind: 'syscall_enter',
    // Only the number is kept: converting six hex arguments per line cost ~15% of an ftrace parse.
    templates: ['NR {nr:int} ({args:str})'],
    a0: 'nr',
  },
  { names: ['sys_exit'], kind: 'syscall_exit', templates: ['NR {nr:int} = {ret:int}'], a0: 'nr', a1: 'ret' },
  { names: ['sys_enter_*'], kind: 'syscall_enter', templates: ['{args:str}'], str0FromNameAfter: 'sys_enter_' },
  { names: ['sys_exit_*'], kind: 'syscall_exit', templates: ['{ret:hex}', '{ret:int}'], a1: 'ret', str0FromNameAfter: 'sys_exit_' },
  {
    // trace-cmd prints `pages=-1 reason=local mm shootdown (3)`, with an empty name for reasons it does not know (`reason= (4)`).
    names: ['tlb_flush'], kind: 'tlb_flush', templates: ['pages:{pages:int} reason:{why:str} ({reason:int})', 'pages={pages:int} reason={why:str} ({reason:int})'],
    a0: 'pages', a1: 'reason', str0: 'why',
  },
  { names: ['xen_mmu_flush_tlb', 'xen_mmu_flush_tlb_all'], kind: 'tlb_flush', templates: ['{rest:str}'], constants: { a0: -1 } },
  { names: ['xen_mmu_flush_tlb_one_user', 'xen_mmu_flush_tlb_single'], kind: 'tlb_flush', templates: ['addr {addr:hex}'], constants: { a0: 1 } },
  { names: ['xen_mmu_flush_tlb_multi', 'xen_mmu_flush_tlb_others'], kind: 'tlb_flush', templates: ['ncpus {ncpus:int} {rest:str}'], a2: 'ncpus', constants: { a0: -1 } },
  { names: ['xen_mmu_write_cr3'], kind: 'tlb_flush', templates: ['{space:str} cr3 {cr3:hex}'], str0: 'space', constants: { a0: -1 } },
  { names: ['contention_begin'], kind: 'lock_wait_begin', templates: ['{lock:ptr} (flags={flags:lockflags})'], a0: 'lock', a1: 'flags' },
  { names: ['contention_end'], kind: 'lock_wait_end', templates: ['{lock:ptr} (ret={ret:int})'], a0: 'lock', a1: 'ret' },
  { names: ['net_dev_queue'], kind: 'queue_enqueue', templates: ['dev={dev:str} skbaddr={skb:ptr} len={len:int}'], a0: 'skb', a1: 'len', str0: 'dev' },
  {
    names: ['net_dev_start_xmit'], kind: 'queue_start',
    templates: ['dev={dev:str} queue_mapping={queue:int} skbaddr={skb:ptr} {rest:str}'], a0: 'skb', a3: 'queue', str0: 'dev',
  },
  { names: ['net_dev_xmit'], kind: 'queue_xmit', templates: ['dev={dev:str} skbaddr={skb:ptr} len={len:int} rc={rc:int}'], a0: 'skb', a1: 'len', a2: 'rc', str0: 'dev' },
  { names: ['consume_skb'], kind: 'queue_complete', templates: ['skbaddr={skb:ptr}'], a0: 'skb', constants: { a1: 0 } },
  { names: ['kfree_skb'], kind: 'queue_complete', templates: ['skbaddr={skb:ptr} {rest:str}'], a0: 'skb', constants: { a1: 1 } },
  {
    names: ['qdisc_dequeue'], kind: 'queue_dequeue',
    templates: ['dequeue ifindex={ifindex:int} qdisc handle=0x{handle:hex} parent=0x{parent:str} txq_state=0x{txq:hex} packets={packets:int} skbaddr={skb:ptr}'],
    a0: 'skb', a1: 'txq', a2: 'packets', a3: 'ifindex', str0: 'parent',
  },
  {
    names: ['napi_poll'], kind: 'napi_poll',
    templates: ['napi poll on napi struct {napi:ptr} for device {dev:str} work {work:int} budget {budget:int}'],
    a0: 'work', a1: 'budget', str0: 'dev',
  },
  {
    // Appended layouts: trace-cmd report -w adds the wakeup latency; trace-cmd's plugin prints the
    // kernel's idle state (I) as `W` from an older letter table, which has no state bit here (a2 stays NaN).
    names: ['sched_switch'], kind: 'sched_switch',
    templates: [SCHED_SWITCH_KERNEL, SCHED_SWITCH_TRACE_CMD, `${SCHED_SWITCH_TRACE_CMD} Latency: {latency:str}`, SCHED_SWITCH_TRACE_CMD_W, `${SCHED_SWITCH_TRACE_CMD_W} Latency: {latency:str}`],
    a0: 'prev_pid', a1: 'next_pid', a2: 'prev_state', str0: 'next_comm',
  },
  {
    names: ['sched_wakeup', 'sched_wakeup_new', 'sched_waking'], kind: 'sched_wakeup',
    templates: [
      'comm={comm:str} pid={pid:int} prio={prio:int} target_cpu={cpu:int}',
      'comm={comm:str} pid={pid:int} prio={prio:int} success={ok:int} target_cpu={cpu:int}',
      '{comm:str}:{pid:int} [{prio:int}] CPU:{cpu:int}',
      '{comm:str}:{pid:int} [{prio:int}] success={ok:int} CPU:{cpu:int}',
    ],
    a0: 'pid', a1: 'cpu', str0: 'comm',
  },
  {
    names: ['block_rq_issue', 'block_rq_insert'], kind: 'block_issue',
    templates: ['{dev:str} {rwbs:str} {bytes:int} ({cmd:str}) {sector:int} + {nr:int} {rest:str}'],
    a0: 'sector', a1: 'bytes', str0: 'dev',
  },
  {
    names: ['block_rq_complete'], kind: 'block_complete',
    templates: ['{dev:str} {rwbs:str} ({cmd:str}) {sector:int} + {nr:int} {rest:str}'],
    a0: 'sector', a1: 'nr', str0: 'dev',
  },
  // trace_marker writes and trace_printk: the text is the payload (tracefs `tracing_mark_write:`/`print:`).
  { names: ['tracing_mark_write', 'print', 'bprint', 'bputs'], kind: 'marker', templates: ['{text:str}'], str0: 'text' },
];
