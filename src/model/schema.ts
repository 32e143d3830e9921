/**
 * The tracelens event model: every table, every column, its unit and meaning.
 *
 * This file is the single reference for the model. Builders fill typed-array
 * columns; `tables.ts` wraps the same buffers as arquero tables without copying.
 * Strings (names, comms, symbols) live once in the string pool and columns hold
 * their ids, so a 10M-row table stays a handful of flat arrays.
 */

/** Canonical event kinds: what an event *means*, whatever format it came from. */
export const KINDS = [
  'sample', // a profile sample (perf cpu-clock/cycles, opreport row)
  'irq_entry', // a0 = irq number, str0 = handler name
  'irq_exit', // a0 = irq number, a1 = 1 handled / 0 unhandled
  'softirq_entry', // a0 = vector (NET_TX = 2, NET_RX = 3 …)
  'softirq_exit', // a0 = vector
  'softirq_raise', // a0 = vector
  'irq_vector_entry', // a0 = x86 vector (the event name says which: local_timer …)
  'irq_vector_exit', // a0 = x86 vector
  'syscall_enter', // a0 = syscall number (or NaN), str0 = syscall name when the tracepoint names it
  'syscall_exit', // a0 = syscall number (or NaN), a1 = return value
  'tlb_flush', // a0 = pages (-1 full flush), a1 = reason code, a2 = target CPUs (xen multi), str0 = reason text
  'lock_wait_begin', // a0 = lock address (or hashed id), a1 = flags bit set
  'lock_wait_end', // a0 = lock address (or hashed id), a1 = return value
  'hypercall', // a0 = hypercall op, a1..a2 = first arguments
  'grant_op', // a0 = GNTTABOP command, a1 = count
  'queue_enqueue', // a0 = item id (skbaddr), a1 = length, str0 = device
  'queue_start', // driver asked to send: a0 = item id, a3 = queue index, str0 = device
  'queue_xmit', // a0 = item id, a1 = length, a2 = driver return code (16 = ring full), str0 = device
  'queue_complete', // a0 = item id, a1 = 1 when dropped (kfree_skb)
  'queue_dequeue', // a0 = item id, a1 = txq_state (bit 0 = stopped), a2 = packets, a3 = ifindex, str0 = qdisc parent handle in hex as printed (`10001` = 1:1, mq's child for TX queue 0; `FFFFFFFF` = root)
  'napi_poll', // a0 = work, a1 = budget, str0 = device
  'sched_switch', // a0 = prev tid, a1 = next tid, a2 = prev state code; str0 = next comm
  'sched_wakeup', // a0 = woken tid, a1 = target cpu; str0 = woken comm
  'block_issue', // a0 = sector, a1 = bytes, str0 = device
  'block_complete', // a0 = sector, a1 = sectors, str0 = device
  'lost', // a0 = lost record count (NaN when unknown)
  'marker', // user-space trace_marker / printk text in str0
  'function', // function-tracer call: str0 = function, a0 = parent func string id
  'sideband', // perf PERF_RECORD_* side-band record (comm/fork/exit/mmap…)
  'other', // any other event: name kept, str0 = raw payload
  // Appended for xentrace (src/parsers/xentrace). domain/vcpu columns = the vCPU running on that pCPU.
  'vmexit', // HVM exit: a0 = exit reason (VMX basic reason), a1 = guest rip (rounded above 2^53); str0 = reason name
  'vmentry', // HVM entry back into the guest; no arguments
  'runstate', // vCPU runstate change: a0 = domain, a1 = vcpu of the vCPU changing, a2 = old, a3 = new (0 running, 1 runnable, 2 blocked, 3 offline)
  'vcpu_switch', // Xen context switch on a pCPU: a0 = prev domain, a1 = prev vcpu, a2 = next domain, a3 = next vcpu
  'sched_other', // any other scheduler record (wake, block, credit/credit2 internals): a0..a3 = extra words 0..3
  'pv_trap', // PV guest trap into Xen: a0 = trap number, a1 = error code (NaN when none), a2 = guest rip
  'page_fault', // PV guest page fault handled by Xen: a0 = faulting address, a1 = error code, a2 = guest rip
  'hvm_handler', // HVM exit handler record with no canonical kind (CPUID, HLT, NPF, I/O …): a0..a3 = extra words 0..3
  'irq_bind', // physical IRQ vector management (bind/assign/move/clear): a0 = irq, a1 = vector, a2 = cpu or cpumask word
] as const;

/**
 * How xentrace records land on the canonical kinds (DESIGN §4), besides the appended ones above:
 * - `hypercall`: PV_HYPERCALL_V2 / SUBCALL / v1 and HVM VMMCALL. a0 = op, a1 = first recorded argument,
 *   a2 = second recorded argument, a3 = the V2 argument-presence field (bits 20..31 of word 0, shifted down);
 *   str0 = op name, for grant_table_op `grant_table_op:<cmd>` (a1 = GNTTABOP cmd, a2 = count; cmd 5 = copy).
 * - `syscall_exit`: the PV iret hypercall (op 23), how a 64-bit PV guest returns from every syscall;
 *   a0 = NaN (the syscall is not traced), str0 = `iret`.
 * - `tlb_flush`: PV mmuext_op hypercall (op 26: a0 = NaN, a3 = op count, str0 = `mmuext_op`), HVM CR3 write
 *   (a0 = -1, a3 = CR3 value, str0 = `cr3`) or INVLPG (a0 = 1, a3 = address, str0 = `invlpg` | `invlpga`).
 * - `grant_op`: MEM page grant map / unmap / transfer: a0 = GNTTABOP cmd (0 map, 1 unmap, 4 transfer), a2 = granting domain.
 * - `irq_entry`: HW_IRQ_HANDLED, one row per handled IRQ (no irq_exit rows): a0 = irq, a1 = handler time in ns,
 *   domain 32767 (Xen) and vcpu -1 because Xen, not the interrupted vCPU, handles it; and HVM INJ_VIRQ /
 *   REINJ_VIRQ: a0 = guest vector, a2 = the `fake` flag, domain/vcpu = the vCPU it is injected into.
 * - `irq_vector_entry`: HVM INTR (an external interrupt made the guest exit): a0 = x86 vector.
 * - `other`: a0 = 28-bit event id, a1..a3 = extra words 0..2; str0 = every extra word in hex when the id is unknown.
 * - `lost`: LOST_RECORDS: a0 = records lost, a1 = ns when the loss began (the row's time is when tracing resumed), a2/a3 = domain/vcpu then.
 * Domain 32767 is Xen's idle domain (DOMID_IDLE).
 */

export type Kind = (typeof KINDS)[number];
export const KIND_CODE: Readonly<Record<Kind, number>> = Object.fromEntries(
  KINDS.map((k, i) => [k, i]),
) as Record<Kind, number>;

/** A 256-entry table, 1 for `kinds`: a pass over every event skips the others with one lookup. */
export function kindTable(kinds: readonly Kind[]): Uint8Array {
  const table = new Uint8Array(256);
  for (const k of kinds) table[KIND_CODE[k]] = 1;
  return table;
}

/** Item ids (skbaddr, lock address) are pointers: 64-bit values a Float64 cannot hold exactly,
 * and hashed in ftrace, so a0 holds the string id of the pointer text for those kinds. */

/**
 * `events`: one row per decoded trace record. `int` and `float` columns are adaptive
 * (columns.ts): stored in the narrowest typed array that holds their values (Int8/16/32,
 * Float32/64), so read them by index and never assume the array class.
 * | column | type    | unit / meaning |
 * | tsNs   | Float64 | ns since `meta.t0` (integer-valued); NaN when the format prints no time |
 * | cpu    | int     | CPU (physical CPU for xentrace); -1 unknown |
 * | utid   | int     | synthetic thread id into `threads`; -1 none (xentrace) |
 * | kind   | Uint8   | index into KINDS |
 * | name   | int     | string id of the raw event name (e.g. `irq:irq_handler_entry`) |
 * | domain | int     | Xen domain id, -1 unknown |
 * | vcpu   | int     | Xen vCPU id, -1 unknown |
 * | a0..a3 | float   | kind-specific arguments (see KINDS); NaN when absent |
 * | str0   | int     | kind-specific string id; -1 none |
 * | stack  | int     | callchain id into `stacks` when the record carried one; -1 none |
 */
export const EVENT_COLUMNS = {
  tsNs: Float64Array,
  cpu: 'int',
  utid: 'int',
  kind: Uint8Array,
  name: 'int',
  domain: 'int',
  vcpu: 'int',
  a0: 'float',
  a1: 'float',
  a2: 'float',
  a3: 'float',
  str0: 'int',
  stack: 'int',
} as const;

/**
 * `samples`: profile samples (a subset of the records also counted in events' totals).
 * | tsNs   | Float64 | ns since `meta.t0`; NaN when the format has no time |
 * | cpu    | int     | CPU, -1 unknown |
 * | utid   | int     | thread, -1 unknown |
 * | weight | float   | 1 per perf sample (or its period when asked); the count of an opreport row |
 * | stack  | int     | id into `stacks`; -1 no stack |
 * | domain | int     | Xen domain, -1 unknown |
 * | event  | int     | string id of the sampling event (`cpu-clock`, `cycles:u` …) |
 */
export const SAMPLE_COLUMNS = {
  tsNs: Float64Array,
  cpu: 'int',
  utid: 'int',
  weight: 'float',
  stack: 'int',
  domain: 'int',
  event: 'int',
} as const;

/**
 * `stacks`: parent-linked, interned call stacks (root has parent -1). A stack id names the
 * leaf frame and, through `parent`, every caller; identical stacks share one row.
 * | parent | Int32 | parent stack id, -1 at the root |
 * | frame  | Int32 | id into `frames` |
 * `frames`: interned (function, module) pairs.
 * | func   | Int32 | string id of the symbol (`[unknown]` kept as is) |
 * | module | Int32 | string id of the DSO / image (`[kernel.kallsyms]`, `/usr/lib/libc.so.6`) |
 * `threads`: utid → tid, pid, comm. A new utid is made when a tid shows up with another comm,
 * because kernel tids are reused.
 */
export const STACK_COLUMNS = { parent: Int32Array, frame: Int32Array } as const;
export const FRAME_COLUMNS = { func: Int32Array, module: Int32Array } as const;

export type Severity = 'info' | 'warning' | 'error';

export interface Location {
  file?: string;
  line?: number;
  byteOffset?: number;
  excerpt?: string;
}

export interface DiagnosticSummary {
  code: string;
  severity: Severity;
  count: number;
  message: string;
  first: Location;
  /** A few more locations beyond the first, for the report. */
  more: Location[];
}

/** Facts about the capture; everything optional that a format may not print. */
export interface TraceMeta {
  format: string;
  source: string;
  sourceBytes: number;
  /** Absolute time of tsNs = 0 as a decimal ns string (exceeds 2^53 for boot-relative clocks). */
  t0Ns: string | null;
  /** CPU count from the trace header (perf `nrcpus online`, ftrace `#P:`), else null. */
  cpuCount: number | null;
  clock: string | null;
  cpuHz: number | null;
  /** Header facts kept verbatim (perf `# key : value` lines, ftrace tracer …). */
  header: Record<string, string>;
}

/**
 * `samples.domain` / `events.domain` value for code running in the Xen hypervisor itself rather
 * than in a guest: Xen's DOMID_IDLE (0x7fff = 32767), the id xentrace and xenalyze print for the
 * idle domain (`d32767v1`) and the one domain id no guest can have. xenoprof rows of the
 * hypervisor image (`xen-syms*`) carry it, so detectors can tell Xen's `_spin_lock` from the
 * guest kernel's without parsing image names. Guest domains keep their own id (0 = dom0);
 * -1 stays "unknown". See src/parsers/xenoprof/README.md for how opreport images map to domains.
 */
export const DOMAIN_HYPERVISOR = 0x7fff;

/**
 * The highest CPU number a parser accepts. Linux's NR_CPUS tops out at 8192 and Xen's at 16383
 * pCPUs; a larger `[cpu]` field is a garbled line, not a machine, and per-CPU tables are dense.
 */
export const MAX_CPU = 16383;
