/**
 * The callchains of simulated activity, leaf first. A frame is `<space> <symbol>+0x<off>`
 * with space `x` (Xen, the hypervisor), `k` (the domain's kernel) or `u` (user space).
 * Names follow Linux 4.x netback/netfront and Xen 4.6 so that the traces read like the
 * real thing; the writers turn them into perf frames or opreport images and symbols.
 *
 * Interrupt-context work is drawn on top of the interrupted context: most of the time an
 * otherwise idle vCPU, which is what makes real dom0 profiles look the way they do.
 */
export type DomKind = 0 | 1 | 2; // dom0 (PV), HVM guest with PV drivers, 64-bit PV guest

const IDLE: Record<DomKind, string[]> = {
  0: ['k xen_hypercall_sched_op+0xa', 'k xen_safe_halt+0xc', 'k default_idle+0x1c', 'k arch_cpu_idle+0xa', 'k default_idle_call+0x2e', 'k do_idle+0x1ad', 'k cpu_startup_entry+0x6f', 'k cpu_bringup_and_idle+0x85'],
  1: ['k native_safe_halt+0xe', 'k default_idle+0x1c', 'k arch_cpu_idle+0xa', 'k default_idle_call+0x2e', 'k do_idle+0x1ad', 'k cpu_startup_entry+0x6f', 'k start_secondary+0x1a4', 'k secondary_startup_64+0xa4'],
  2: ['k xen_hypercall_sched_op+0xa', 'k xen_safe_halt+0xc', 'k default_idle+0x1c', 'k arch_cpu_idle+0xa', 'k default_idle_call+0x2e', 'k do_idle+0x1ad', 'k cpu_startup_entry+0x6f', 'k cpu_bringup_and_idle+0x85'],
};

/** The event-channel upcall path into an IRQ handler, above the interrupted (idle) context. */
const UPCALL: Record<DomKind, string[]> = {
  0: ['k handle_irq_event_percpu+0x23', 'k handle_irq_event+0x3b', 'k handle_edge_irq+0x7f', 'k generic_handle_irq+0x22', 'k evtchn_fifo_handle_events+0x152', 'k __xen_evtchn_do_upcall+0x49', 'k xen_evtchn_do_upcall+0x2b', 'k xen_do_hypervisor_callback+0x1e'],
  1: ['k handle_irq_event_percpu+0x23', 'k handle_irq_event+0x3b', 'k handle_edge_irq+0x7f', 'k generic_handle_irq+0x22', 'k evtchn_fifo_handle_events+0x152', 'k __xen_evtchn_do_upcall+0x49', 'k xen_evtchn_do_upcall+0x2b', 'k xen_hvm_callback_vector+0xf'],
  2: ['k handle_irq_event_percpu+0x23', 'k handle_irq_event+0x3b', 'k handle_edge_irq+0x7f', 'k generic_handle_irq+0x22', 'k evtchn_fifo_handle_events+0x152', 'k __xen_evtchn_do_upcall+0x49', 'k xen_evtchn_do_upcall+0x2b', 'k xen_do_hypervisor_callback+0x1e'],
};

const SOFTIRQ = ['k net_rx_action+0x139', 'k __do_softirq+0xde', 'k irq_exit+0xae', 'k xen_evtchn_do_upcall+0x30'];
const NB_TX = ['k xenvif_tx_action+0x2c4', 'k xenvif_poll+0x31', ...SOFTIRQ];
const NB_RX = ['k xenvif_rx_action+0x1a7', 'k xenvif_kthread_guest_rx+0x118', 'k kthread+0x112', 'k ret_from_fork+0x35'];
const HYPERCALL_ENTRY = ['x lstar_enter+0x112'];
// The copy loop is inlined in __gnttab_copy (rep movs), so copy time lands on it.
const GCOPY_XEN = ['x __gnttab_copy+0x4bd', 'x do_grant_table_op+0x81e', ...HYPERCALL_ENTRY];
const GSPIN_XEN = ['x _spin_lock+0x2d', 'x __acquire_grant_for_copy+0x8c', 'x __gnttab_copy+0x1c2', 'x do_grant_table_op+0x81e', ...HYPERCALL_ENTRY];
const USER_SEND = ['u __libc_write+0x4f', 'u Client::RunTCP+0x1b4', 'u thread_run+0x8c', 'u start_thread+0xdb', 'u __clone+0x3f'];
const USER_RECV = ['u __libc_read+0x4e', 'u Server::RunTCP+0x12e', 'u thread_run+0x8c', 'u start_thread+0xdb', 'u __clone+0x3f'];
const SYS_WRITE = ['k sock_sendmsg+0x3e', 'k sock_write_iter+0x8c', 'k __vfs_write+0x112', 'k vfs_write+0xad', 'k ksys_write+0x5a', 'k do_syscall_64+0x53', 'k entry_SYSCALL_64_after_hwframe+0x44', ...USER_SEND];
const SYS_READ = ['k inet_recvmsg+0x5b', 'k sock_read_iter+0x92', 'k __vfs_read+0x109', 'k vfs_read+0x8a', 'k ksys_read+0x5a', 'k do_syscall_64+0x53', 'k entry_SYSCALL_64_after_hwframe+0x44', ...USER_RECV];
const TCP_XMIT = ['k dev_hard_start_xmit+0xa5', 'k sch_direct_xmit+0x104', 'k __dev_queue_xmit+0x692', 'k ip_finish_output2+0x1d2', 'k ip_output+0x6c', 'k __ip_queue_xmit+0x15d', 'k __tcp_transmit_skb+0x557', 'k tcp_write_xmit+0x1d4', 'k __tcp_push_pending_frames+0x2d', 'k tcp_sendmsg_locked+0x4f3', 'k tcp_sendmsg+0x27', ...SYS_WRITE];
const RX_POLL = ['k xennet_poll+0x2a4', ...SOFTIRQ];
const TCP_RCV = ['k tcp_v4_rcv+0xa4e', 'k ip_local_deliver_finish+0x62', 'k ip_local_deliver+0xdf', 'k ip_rcv+0x52', 'k __netif_receive_skb_core+0x5a2', 'k netif_receive_skb_internal+0x45', 'k napi_gro_receive+0xba'];

type Recipe = (kind: DomKind) => string[];

/** Activities by name; each becomes one stack per domain kind. */
const RECIPES = {
  idle: (k: DomKind) => IDLE[k],
  nbIrq: (k: DomKind) => ['k xenvif_interrupt+0x1e', ...UPCALL[k], ...IDLE[k]],
  nbTxBuild: (k: DomKind) => ['k xenvif_tx_build_gops+0x3a1', ...NB_TX, ...IDLE[k]],
  nbTxCopy: (k: DomKind) => [...GCOPY_XEN, 'k xen_hypercall_grant_table_op+0xa', 'k gnttab_batch_copy+0x27', ...NB_TX, ...IDLE[k]],
  nbTxSpin: (k: DomKind) => [...GSPIN_XEN, 'k xen_hypercall_grant_table_op+0xa', 'k gnttab_batch_copy+0x27', ...NB_TX, ...IDLE[k]],
  nbForward: (k: DomKind) => ['k xenvif_start_xmit+0x1bd', 'k dev_hard_start_xmit+0xa5', 'k __dev_queue_xmit+0x692', 'k br_dev_queue_push_xmit+0x7e', 'k br_forward_finish+0x3d', 'k __br_forward+0x13c', 'k br_handle_frame_finish+0x263', 'k br_handle_frame+0x1a7', 'k __netif_receive_skb_core+0x20f', 'k netif_receive_skb_internal+0x45', 'k xenvif_tx_submit+0x6f', ...NB_TX, ...IDLE[k]],
  nbTxNotify: (k: DomKind) => ['x evtchn_send+0x5e', 'x do_event_channel_op+0x9b7', ...HYPERCALL_ENTRY, 'k xen_hypercall_event_channel_op+0xa', 'k notify_remote_via_irq+0x4e', 'k xenvif_tx_action+0x39d', 'k xenvif_poll+0x31', ...SOFTIRQ, ...IDLE[k]],
  nbRxWork: () => ['k xenvif_rx_skb+0x1e0', ...NB_RX],
  nbRxCopy: () => [...GCOPY_XEN, 'k xen_hypercall_grant_table_op+0xa', 'k gnttab_batch_copy+0x27', 'k xenvif_rx_copy_flush+0x3a', ...NB_RX],
  nbRxSpin: () => [...GSPIN_XEN, 'k xen_hypercall_grant_table_op+0xa', 'k gnttab_batch_copy+0x27', 'k xenvif_rx_copy_flush+0x3a', ...NB_RX],
  nbRxNotify: () => ['x evtchn_send+0x5e', 'x do_event_channel_op+0x9b7', ...HYPERCALL_ENTRY, 'k xen_hypercall_event_channel_op+0xa', 'k notify_remote_via_irq+0x4e', 'k xenvif_rx_action+0x2f1', 'k xenvif_kthread_guest_rx+0x118', 'k kthread+0x112', 'k ret_from_fork+0x35'],
  send: () => ['k copy_user_enhanced_fast_string+0xe', 'k _copy_from_iter_full+0x8a', 'k tcp_sendmsg_locked+0x2e6', 'k tcp_sendmsg+0x27', ...SYS_WRITE],
  xmit: () => ['k xennet_start_xmit+0x2d3', ...TCP_XMIT],
  notify: (k: DomKind) => [
    ...(k === 2 ? ['x evtchn_send+0x5e', 'x do_event_channel_op+0x9b7', ...HYPERCALL_ENTRY] : ['x evtchn_send+0x5e', 'x hvm_do_hypercall+0x1f9', 'x vmx_vmexit_handler+0x6b3', 'x vmx_asm_vmexit_handler+0x41']),
    'k xen_hypercall_event_channel_op+0xa', 'k notify_remote_via_irq+0x4e', 'k xennet_start_xmit+0x418', ...TCP_XMIT,
  ],
  pv64Sysret: () => ['x flush_area_local+0x8e', 'x write_ptbase+0x19', 'x toggle_guest_mode+0x71', 'x do_iret+0xa6', ...HYPERCALL_ENTRY, 'k xen_hypercall_iret+0xa', ...USER_SEND],
  txGc: (k: DomKind) => ['k xennet_tx_buf_gc+0x86', 'k xennet_tx_interrupt+0x4b', ...UPCALL[k], ...IDLE[k]],
  rxPoll: (k: DomKind) => [...RX_POLL, ...IDLE[k]],
  rxStack: (k: DomKind) => [...TCP_RCV, ...RX_POLL, ...IDLE[k]],
  ack: (k: DomKind) => ['k tcp_ack+0x3bd', 'k tcp_rcv_established+0x1a0', 'k tcp_v4_do_rcv+0x12b', ...TCP_RCV, ...RX_POLL, ...IDLE[k]],
  recv: () => ['k copy_user_enhanced_fast_string+0xe', 'k _copy_to_iter+0x9b', 'k skb_copy_datagram_iter+0x7b', 'k tcp_recvmsg+0x27d', ...SYS_READ],
  syscall: () => ['k do_syscall_64+0x53', 'k entry_SYSCALL_64_after_hwframe+0x44', ...USER_SEND],
} satisfies Record<string, Recipe>;

export type Activity = keyof typeof RECIPES;

export interface StackDef {
  activity: Activity;
  kind: DomKind;
  frames: string[];
}

/** Every stack, id = index; built once. */
export const STACKS: StackDef[] = [];
const ids = {} as Record<Activity, number[]>;
for (const activity of Object.keys(RECIPES) as Activity[]) {
  ids[activity] = [];
  for (const kind of [0, 1, 2] as DomKind[]) {
    ids[activity].push(STACKS.length);
    STACKS.push({ activity, kind, frames: RECIPES[activity](kind) });
  }
}

export function stackId(activity: Activity, kind: DomKind): number {
  return ids[activity][kind];
}

/** Grant-table code, as the gnttab-lock detector names it (DESIGN §5). */
export const GRANT_FRAME = /^(do_grant_table_op|gnttab_copy|__gnttab_.*|gnttab_batch_copy|xen_hypercall_grant_table_op|__acquire_grant_for_copy|__release_grant_for_copy)$/;
/** Spin-lock entry points and slow paths (Linux and Xen spellings). */
export const SPIN_FRAME = /^(_spin_lock.*|_raw_spin_lock.*|.*queued_spin_lock_slowpath|_read_lock.*|_write_lock.*)$/;

export function frameSymbol(frame: string): string {
  const plus = frame.lastIndexOf('+0x');
  return frame.slice(2, plus > 0 ? plus : undefined);
}
