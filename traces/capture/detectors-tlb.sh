#!/usr/bin/env bash
# detectors-tlb.sh - tlb-per-syscall captures, each recorded by perf and ftrace at once:
#   traces/detectors/tlb-madvise.{perf.txt,trace.txt}      N x {touch 16 pages; madvise(MADV_DONTNEED)}
#   traces/detectors/tlb-getpid-read.{perf.txt,trace.txt}  N x {getpid(); read(/dev/zero)}  (control)
# Events: raw_syscalls:sys_enter/sys_exit, tlb:tlb_flush, sched:sched_switch, for the
# workload process only (perf follows the command; the ftrace instance uses set_event_pid).
#   perf record -e raw_syscalls:sys_enter,raw_syscalls:sys_exit,tlb:tlb_flush,sched:sched_switch --exclude-perf -o DATA -- WRAPPER
# Ground truth outside tracelens (-> /tmp/tl-det-tlb.truth):
#   * the calls the workload counts itself (stderr)
#   * `perf stat -e tlb:tlb_flush,raw_syscalls:sys_enter` of a separate identical run
#   * `strace -c -f` of another separate identical run
#   * grep -c of the tracepoints per file
source "$(dirname "$0")/detectors-common.sh"
build_detectors_workload
ensure_tracefs
N_MADVISE=${N_MADVISE:-3000}
N_GETPID=${N_GETPID:-2000}
NAME=tl_det_tlb
TRUTH=/tmp/tl-det-tlb.truth
trap 'det_instance_remove $NAME' EXIT
: > "$TRUTH"

capture() { # capture LABEL ARGS...
	local label=$1; shift
	local data=/tmp/tl-det-$label.data
	det_instance_create $NAME 4096 raw_syscalls/sys_enter raw_syscalls/sys_exit tlb/tlb_flush sched/sched_switch
	det_wrapper /tmp/tl-det-wrap.sh $NAME pid "$DET_BIN" "$@"
	perf record -e raw_syscalls:sys_enter,raw_syscalls:sys_exit,tlb:tlb_flush,sched:sched_switch --exclude-perf \
		-o "$data" -- /tmp/tl-det-wrap.sh 2> /tmp/tl-det-$label.self
	det_instance_dump $NAME "$DET_OUT/$label.trace.txt" /tmp/tl-det-$label.stats
	perf script -i "$data" > "$DET_OUT/$label.perf.txt" 2> /dev/null
	perf stat -e tlb:tlb_flush,raw_syscalls:sys_enter -o /tmp/tl-det-$label.stat -- "$DET_BIN" "$@" 2> /tmp/tl-det-$label.stat.self
	strace -c -f -o /tmp/tl-det-$label.strace "$DET_BIN" "$@" 2> /dev/null
	{
		echo "== $label: $DET_BIN $*"
		echo "workload self-count (traced run): $(grep -v '^\[' /tmp/tl-det-$label.self | grep tl_)"
		echo "perf record: $(grep -o 'Captured and wrote.*' /tmp/tl-det-$label.self)"
		echo "ftrace per-CPU loss: $(tr '\n' ' ' < /tmp/tl-det-$label.stats)"
		echo "separate run, perf stat:"; grep -E 'tlb_flush|sys_enter' /tmp/tl-det-$label.stat
		echo "separate run, strace -c -f (top rows):"; head -8 /tmp/tl-det-$label.strace
		for f in "$DET_OUT/$label.perf.txt" "$DET_OUT/$label.trace.txt"; do
			echo "$(basename "$f"): $(stat -c %s "$f") bytes"
			det_counts "$f" 'sys_enter:' 'sys_exit:' 'tlb_flush:' 'sched_switch:' 'sys_enter: NR 28 ' 'sys_enter: NR 39 ' 'sys_enter: NR 0 '
			echo "  tlb_flush by reason:"; grep 'tlb_flush:' "$f" | grep -o '([0-9])$' | sort | uniq -c | sed 's/^/  /'
		done
	} >> "$TRUTH"
}

capture tlb-madvise madvise "$N_MADVISE"
capture tlb-getpid-read getpid-read "$N_GETPID"
cat "$TRUTH"
