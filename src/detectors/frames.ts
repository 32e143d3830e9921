import type { TraceModel } from '../model/trace-model.js';

/**
 * Frame and stack classification for sample-based detectors. Functions are matched by name
 * once per frame (not per sample), and each stack's "has such a frame at or above me" bits
 * are computed once per stack row: stacks are interned parent-first, so one forward pass
 * over the stacks table fills them. Hot loops then test one byte per sample.
 */

/** Compiler clones (`__mutex_lock.constprop.0`, `foo.isra.0`, `bar.cold`) match as the base name. */
export function baseName(func: string): string {
  const dot = func.indexOf('.');
  return dot > 0 ? func.slice(0, dot) : func;
}

export const SPIN_FUNC =
  /^(?:_raw_|__raw_|do_raw_)?(?:spin|read|write)_lock(?:_irq|_irqsave|_bh|_nested|_cb|_recursive)?$|^_(?:spin|read|write)_lock(?:_irq|_irqsave|_bh|_cb|_recursive)?$|queued_spin_lock_slowpath$|^queued_(?:read|write)_lock_slowpath$|^__ticket_spin_lock|^xen_qlock_wait$|^_raw_spin_lock_irqsave_nested$/;

/** Sleeping-lock slow paths and optimistic spinning: contention without a spinlock. */
export const SLEEPING_LOCK_SLOWPATH =
  /^(?:rwsem_down_(?:read|write)_slowpath|__mutex_lock|__mutex_lock_slowpath|mutex_lock_slowpath|osq_lock|rwsem_optimistic_spin|__rt_mutex_slowlock|rt_mutex_slowlock|percpu_rwsem_wait|__percpu_down_read)$/;

/** Lock API and tracing frames skipped when looking for the function that took the lock. */
const LOCK_API =
  /^(?:down_(?:read|write)(?:_killable|_interruptible|_trylock)?|mutex_lock(?:_killable|_interruptible|_nested)?|mmap_(?:read|write)_lock(?:_killable)?|lock_acquire|__lock_acquire|lock_contended|trace_contention_(?:begin|end)|__traceiter_\w+|trace_event_raw_event_\w+|perf_trace_\w+|perf_trace_buf_submit|perf_tp_event|__schedule|schedule|schedule_preempt_disabled|preempt_schedule_common|rwsem_wake|queued_spin_unlock|pv_wait|xen_poll_irq_timeout|xen_qlock_kick)$/;

export function isLockFrame(func: string): boolean {
  const f = baseName(func);
  return SPIN_FUNC.test(f) || SLEEPING_LOCK_SLOWPATH.test(f) || LOCK_API.test(f);
}

export function isGrantTableFunc(func: string): boolean {
  const f = baseName(func);
  return f === 'do_grant_table_op' || /^_*gnttab_/.test(f) || f.includes('grant_table_op') || /^_*(?:acquire|release)_grant_for_copy$/.test(f);
}

export const EVTCHN_UPCALL = /^(?:__)?xen_(?:hvm_|pv_)?evtchn_do_upcall$|^evtchn_(?:2l|fifo)_handle_events$|^evtchn_do_upcall$|^asm_sysvec_xen_hvm_callback$/;

/** Images that are the hypervisor in opreport/xenoprof (`xen-syms-…`, passive `domainN-xen`). */
export function isHypervisorImage(module: string): boolean {
  return /xen-syms/.test(module) || /^domain\d+-xen$/.test(module);
}

/** One bit per frame: bit k set when classifier k matches (func, module). */
export function classifyFrames(model: TraceModel, classifiers: ((func: string, module: string) => boolean)[]): Uint8Array {
  const n = model.frames.func.length;
  const out = new Uint8Array(n);
  const byFunc = new Map<number, number>();
  for (let f = 0; f < n; f++) {
    const funcId = model.frames.func[f];
    const moduleId = model.frames.module[f];
    const key = funcId * 1_048_576 + (moduleId + 1);
    let bits = byFunc.get(key);
    if (bits === undefined) {
      bits = 0;
      const func = model.str(funcId);
      const module = model.str(moduleId);
      for (let k = 0; k < classifiers.length; k++) if (classifiers[k](func, module)) bits |= 1 << k;
      byFunc.set(key, bits);
    }
    out[f] = bits;
  }
  return out;
}

/**
 * Per stack row: the leaf frame's bits (`leaf`), the OR over the whole chain (`self`), and
 * `nested`: bit k set when a frame with bit k has, among its callers, a frame with bit
 * `outerOf[k]` (e.g. a spin frame under a grant-table frame) — anywhere in the chain.
 */
export function stackBits(
  model: TraceModel,
  frameBits: Uint8Array,
  outerOf: Readonly<Record<number, number>> = {},
): { leaf: Uint8Array; self: Uint8Array; nested: Uint8Array } {
  const { parent, frame } = model.stacks;
  const n = parent.length;
  const leaf = new Uint8Array(n);
  const self = new Uint8Array(n); // this frame and all its callers
  const nested = new Uint8Array(n);
  const done = new Uint8Array(n);
  const pairs = Object.entries(outerOf).map(([inner, outer]) => [1 << Number(inner), 1 << outer]);
  const todo: number[] = [];
  for (let s = 0; s < n; s++) {
    // Parents are interned before children, so this loop is one step per row; the
    // explicit walk only guards against a builder that ever breaks that order.
    for (let t = s; t >= 0 && done[t] === 0; t = parent[t]) todo.push(t);
    while (todo.length > 0) {
      const t = todo.pop() as number;
      const p = parent[t];
      leaf[t] = frameBits[frame[t]];
      const above = p >= 0 ? self[p] : 0;
      self[t] = leaf[t] | above;
      let bits = p >= 0 ? nested[p] : 0;
      for (const [inner, outer] of pairs) if ((leaf[t] & inner) !== 0 && (above & outer) !== 0) bits |= inner;
      nested[t] = bits;
      done[t] = 1;
    }
  }
  return { leaf, self, nested };
}

/** The first frame (leaf upwards) that is not a lock or tracing frame: who took the lock. */
export function lockCaller(model: TraceModel, stack: number): string | null {
  for (let s = stack; s >= 0; s = model.stacks.parent[s]) {
    const func = model.str(model.frames.func[model.stacks.frame[s]]);
    if (!isLockFrame(func) && func !== '[unknown]') return baseName(func);
  }
  return null;
}
