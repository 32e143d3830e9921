# detectors-common.sh - helpers sourced by traces/capture/detectors-*.sh (not a capture itself).
#
# Every detector capture records ONE run of a workload with perf and with ftrace AT THE
# SAME TIME, so the two files can be compared event for event:
#   * perf record ... -o DATA -- WRAPPER       (WRAPPER = a tiny shell script)
#   * a private ftrace instance $TRACEFS/instances/NAME, switched on by WRAPPER itself
#     right before it execs the workload, and off by the script after perf returns.
# Per-process captures put WRAPPER's pid into the instance's set_event_pid with
# options/event-fork, and let perf follow the command (no -a): both see the same tasks.
# System-wide captures (IRQs) use perf -a and an unfiltered instance.
# Nothing global is changed: only the private instance is configured, then removed.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DET_OUT="$TRACES_DIR/detectors"
DET_BIN=/tmp/tl_detectors
mkdir -p "$DET_OUT"

build_detectors_workload() {
	gcc -O2 -Wall -pthread -o "$DET_BIN" "$CAPTURE_DIR/detectors-workload.c"
}

# det_instance_create NAME BUFFER_KB EVENT_DIR... : make the instance, enable the events (tracing off).
det_instance_create() {
	local name=$1 kb=$2; shift 2
	local inst="$TRACEFS/instances/$name"
	[ -d "$inst" ] && rmdir "$inst"
	mkdir "$inst"
	echo 0 > "$inst/tracing_on"
	echo "$kb" > "$inst/buffer_size_kb"
	local ev
	for ev in "$@"; do
		[ -e "$inst/events/$ev/enable" ] || { echo "event $ev missing on $(uname -r)" >&2; exit 1; }
		echo 1 > "$inst/events/$ev/enable"
	done
}

# det_instance_dump NAME OUT STATS : freeze, copy the trace and the per-CPU loss stats, remove the instance.
det_instance_dump() {
	local inst="$TRACEFS/instances/$1"
	echo 0 > "$inst/tracing_on"
	cat "$inst/trace" > "$2"
	for c in "$inst"/per_cpu/cpu*; do echo "$(basename "$c"): $(grep -E 'overrun|dropped' "$c/stats" | tr '\n' ' ')"; done > "$3"
	det_instance_remove "$1"
}

det_instance_remove() {
	local inst="$TRACEFS/instances/$1"
	[ -d "$inst" ] || return 0
	echo 0 > "$inst/tracing_on"
	echo 0 > "$inst/options/stacktrace" 2>/dev/null || true
	echo > "$inst/set_event_pid" 2>/dev/null || true
	echo 0 > "$inst/events/enable"
	rmdir "$inst"
}

# det_wrapper PATH INSTANCE FILTER COMMAND... : write a wrapper that (optionally) filters the
# instance to its own pid and children, switches the instance on and execs COMMAND.
det_wrapper() {
	local path=$1 name=$2 filter=$3; shift 3
	local inst="$TRACEFS/instances/$name"
	{
		echo '#!/bin/bash'
		if [ "$filter" = pid ]; then
			echo "echo 1 > $inst/options/event-fork"
			echo "echo \$\$ > $inst/set_event_pid"
		fi
		echo "echo 1 > $inst/tracing_on"
		echo "exec $*"
	} > "$path"
	chmod +x "$path"
}

# det_counts FILE PATTERN... : grep -c per pattern (the outside-tracelens line counts).
det_counts() {
	local f=$1; shift
	local p
	for p in "$@"; do printf '  %-34s %s\n' "$p" "$(grep -c -- "$p" "$f" || true)"; done
}
