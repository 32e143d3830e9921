/**
 * The catalogue of every detector's stable metric names (src/detectors/README.md,
 * "Contracts"), with what CI tooling needs to know about each:
 *
 * - `type`: rules compare numbers with numbers and strings with strings, so a typo'd or
 *   mistyped metric in `--fail-if` is an error (exit 2) instead of a gate that never fires.
 * - `worse`: for `diff`, the direction in which a change is a regression. `higher` for
 *   shares, fractions, rates, stall and wait figures; `lower` where a smaller value is the
 *   pathology (grant-copy batch size, the mm share of TLB flushes); `none` for identities
 *   and workload volumes (counts of syscalls, samples, packets), which are reported but
 *   never judged.
 * - `subject`: the metric naming what a finding is about (the IRQ, queue, lock, task or
 *   evidence source); `diff` matches findings across documents by detector + subject.
 *
 * Kept beside the detectors' contract rather than in it because detectors do not declare
 * metrics in code; test/report/metrics.test.ts checks that real findings use only these names.
 */
export type MetricType = 'number' | 'string';
export type Worse = 'higher' | 'lower' | 'none';

export interface MetricInfo {
  type: MetricType;
  worse: Worse;
}

const n = (worse: Worse = 'higher'): MetricInfo => ({ type: 'number', worse });
const s: MetricInfo = { type: 'string', worse: 'none' };

export const METRICS: Readonly<Record<string, Readonly<Record<string, MetricInfo>>>> = {
  'irq-pinned': {
    irq: s,
    irq_number: n('none'),
    cpu: n('none'),
    share: n(),
    rate_per_s: n(),
    events: n(),
    handler_share: n(),
    irq_load_share: n(),
  },
  'tlb-per-syscall': {
    task: s,
    flushes_per_syscall: n(),
    syscalls: n('none'),
    flushes: n(),
    non_mm_flushes_per_syscall: n(),
    non_mm_flushing_fraction: n(),
    mm_share_of_flushes: n('lower'),
    rate_per_s: n(),
    pattern: s,
  },
  'gnttab-lock': {
    spin_share: n(),
    gnttab_share: n(),
    spin_of_gnttab: n(),
    samples: n('none'),
    ops: n('none'),
    rate_per_s: n(),
    mean_batch: n('lower'),
    concurrent_fraction: n(),
    source: s,
  },
  'hot-lock': {
    lock: s,
    lock_id: s,
    lock_type: s,
    share: n(),
    wait_ns_total: n(),
    events: n(),
    waiters: n(),
    p99_wait_ns: n(),
    max_wait_ns: n(),
    cpu_time_fraction: n(),
    rate_per_s: n(),
    spin_share_of_samples: n(),
  },
  'ring-full': {
    queue: s,
    stalled_fraction: n(),
    stalls: n(),
    p99_stall_ns: n(),
    stalled_ns: n(),
    busy_returns: n(),
    packets: n('none'),
  },
};

/** The metric that names a finding's subject, per detector (see `diff`). */
export const SUBJECT: Readonly<Record<string, string>> = {
  'irq-pinned': 'irq',
  'tlb-per-syscall': 'task',
  'gnttab-lock': 'source',
  'hot-lock': 'lock',
  'ring-full': 'queue',
};

export function metricInfo(detector: string, metric: string): MetricInfo | undefined {
  return METRICS[detector]?.[metric];
}

/** Direction of a metric a future detector reports before this table learns it: unjudged. */
export function worseDirection(detector: string, metric: string): Worse {
  return metricInfo(detector, metric)?.worse ?? 'none';
}
