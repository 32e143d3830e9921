#!/usr/bin/env bash
# function-graph-ftrace.sh - try to produce traces/ftrace/function-graph.trace.txt
#
# Intended capture (private instance tl_fgraph only):
#   mkdir $TRACEFS/instances/tl_fgraph
#   echo 256 > instances/tl_fgraph/buffer_size_kb
#   echo 'vfs_read do_sys_openat2' > instances/tl_fgraph/set_graph_function   (or set_ftrace_filter)
#   echo function_graph > instances/tl_fgraph/current_tracer   (fallback: function)
#   <workload: cat /etc/hostname /etc/os-release > /dev/null, 5 times>
#   echo 0 > tracing_on; cat trace; echo nop > current_tracer; rmdir
#
# On the capture VM (kernel 6.18.44-fc-v669) this is NOT possible:
#   * available_tracers (top level) = "blk function nop": no function_graph
#   * in an instance, available_tracers = "function nop", but
#     writing set_ftrace_filter, set_ftrace_pid or current_tracer=function
#     all fail with EPERM ("Operation not permitted"), and
#     available_filter_functions cannot be read (EPERM).
# So the script probes first and exits with status 2 (writing nothing) when
# the tracers cannot be used; it is kept so the capture can be re-run on a
# kernel that allows it.
source "$(dirname "$0")/common.sh"
ensure_tracefs

NAME=tl_fgraph
INST="$TRACEFS/instances/$NAME"
OUT="$FTRACE_OUT/function-graph.trace.txt"
cleanup() { [ -d "$INST" ] && { echo 0 > "$INST/tracing_on"; echo nop > "$INST/current_tracer" 2>/dev/null; rmdir "$INST"; } ; true; }
trap cleanup EXIT

mkdir "$INST"
echo 0 > "$INST/tracing_on"
echo 256 > "$INST/buffer_size_kb"
echo "available_tracers in instance: $(cat "$INST/available_tracers")"
TRACER=""
for t in function_graph function; do
	grep -qw "$t" "$INST/available_tracers" || { echo "$t: not in available_tracers"; continue; }
	if [ "$t" = function_graph ] && [ -e "$INST/set_graph_function" ]; then
		echo 'vfs_read do_sys_openat2' > "$INST/set_graph_function" 2>/dev/null || { echo "$t: set_graph_function: EPERM"; continue; }
	else
		echo 'vfs_read do_sys_openat2' > "$INST/set_ftrace_filter" 2>/dev/null || { echo "$t: set_ftrace_filter: EPERM"; continue; }
	fi
	echo "$t" > "$INST/current_tracer" 2>/dev/null || { echo "$t: current_tracer: EPERM"; continue; }
	TRACER=$t; break
done
if [ -z "$TRACER" ]; then
	echo "neither function_graph nor function tracing is permitted on $(uname -r); nothing written" >&2
	exit 2
fi
echo 1 > "$INST/tracing_on"
for i in 1 2 3 4 5; do cat /etc/hostname /etc/os-release > /dev/null; done
echo 0 > "$INST/tracing_on"
cat "$INST/trace" > "$OUT"
echo "tracer used: $TRACER; $(stat -c %s "$OUT") bytes, $(wc -l < "$OUT") lines"
