#!/usr/bin/env bash
# detectors-lock.sh - hot-lock captures, each recorded by perf and ftrace at once, with stacks:
#   traces/detectors/lock-mmap-threads.{perf.txt,trace.txt}  8 threads x N {mmap 64K; touch; munmap}
#   traces/detectors/lock-single.{perf.txt,trace.txt}        1 thread, same mmap loop (control)
# Events: lock:contention_begin/end for the workload's tasks only, with kernel callchains:
#   perf record -g -e lock:contention_begin,lock:contention_end -o DATA -- WRAPPER
#   ftrace instance: options/stacktrace = 1, set_event_pid + options/event-fork
# Ground truth outside tracelens (-> /tmp/tl-det-lock.truth):
#   * by construction: threads of one process share mm->mmap_lock; the control has one
#     thread and nothing to contend with. (The workload's `flock P N` mode was tried too: its
#     waiters sleep in locks_lock_inode_wait, which has no contention tracepoint, so 8
#     processes gave only 5 contention events - not a useful hot-lock capture.)
#   * `perf lock contention -i DATA` (perf's own analysis: contentions, wait, caller, lock type)
#   * the calls each workload counts itself; grep -c of the events per file
source "$(dirname "$0")/detectors-common.sh"
build_detectors_workload
ensure_tracefs
N_MMAP=${N_MMAP:-400}
NAME=tl_det_lock
TRUTH=/tmp/tl-det-lock.truth
trap 'det_instance_remove $NAME' EXIT
: > "$TRUTH"

capture() { # capture LABEL ARGS...
	local label=$1; shift
	local data=/tmp/tl-det-$label.data
	det_instance_create $NAME 8192 lock/contention_begin lock/contention_end
	echo 1 > "$TRACEFS/instances/$NAME/options/stacktrace"
	det_wrapper /tmp/tl-det-wrap.sh $NAME pid "$DET_BIN" "$@"
	perf record -g -e lock:contention_begin,lock:contention_end -o "$data" -- /tmp/tl-det-wrap.sh 2> /tmp/tl-det-$label.self
	det_instance_dump $NAME "$DET_OUT/$label.trace.txt" /tmp/tl-det-$label.stats
	perf script -i "$data" > "$DET_OUT/$label.perf.txt" 2> /dev/null
	perf lock contention -i "$data" -E 5 > /tmp/tl-det-$label.lockstat 2>&1 || true
	{
		echo "== $label: $DET_BIN $*"
		echo "workload self-count: $(grep tl_ /tmp/tl-det-$label.self)"
		echo "perf record: $(grep -o 'Captured and wrote.*' /tmp/tl-det-$label.self)"
		echo "ftrace per-CPU loss: $(tr '\n' ' ' < /tmp/tl-det-$label.stats)"
		echo "perf lock contention -i DATA -E 5:"; sed 's/^/  /' /tmp/tl-det-$label.lockstat
		for f in "$DET_OUT/$label.perf.txt" "$DET_OUT/$label.trace.txt"; do
			echo "$(basename "$f"): $(stat -c %s "$f") bytes"
			det_counts "$f" 'contention_begin:' 'contention_end:'
			echo "  contention_begin by flags:"; grep 'contention_begin:' "$f" | grep -o 'flags=[A-Z|]*' | sort | uniq -c | sed 's/^/  /'
		done
	} >> "$TRUTH"
}

capture lock-mmap-threads mmap-threads 8 "$N_MMAP"
capture lock-single mmap-threads 1 "$((8 * N_MMAP))"
cat "$TRUTH"
