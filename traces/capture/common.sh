# common.sh - helpers sourced by the capture scripts in this folder.
# Not a capture script itself.  Requires: bash, gcc, perf, awk, root.
#
# Everything here is read-only with respect to system settings: the only
# tracefs writes the capture scripts do go to a private instance under
# $TRACEFS/instances/<name>, which they remove again at the end.

set -euo pipefail

CAPTURE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TRACES_DIR="$(cd "$CAPTURE_DIR/.." && pwd)"
PERF_OUT="$TRACES_DIR/perf-script"
FTRACE_OUT="$TRACES_DIR/ftrace"
WORKLOAD=/tmp/tl_workload
TRACEFS=/sys/kernel/tracing

# Build the loopback+mmap workload (tl_workload.c) into /tmp.
build_workload() {
	gcc -O2 -Wall -pthread -o "$WORKLOAD" "$CAPTURE_DIR/tl_workload.c"
}

# tracefs is normally mounted already; perf mounts it on demand at
# /sys/kernel/tracing (that is how it got mounted on the capture VM).
ensure_tracefs() {
	if [ ! -d "$TRACEFS/instances" ]; then
		perf list tracepoint >/dev/null 2>&1 || true   # perf auto-mounts tracefs
	fi
	[ -d "$TRACEFS/instances" ] || { echo "tracefs not mounted at $TRACEFS" >&2; exit 1; }
}

# irq_delta BEFORE AFTER : print per-IRQ, per-CPU deltas of two
# /proc/interrupts snapshots (only rows with a non-zero delta), as
#   IRQ  CPU0  CPU1 ...  TOTAL  description
irq_delta() {
	awk '
	FNR == 1 { ncpu = NF; if (FILENAME == ARGV[1]) { hdr = $0 } ; next }
	{
		key = $1
		for (i = 2; i <= ncpu + 1; i++) {
			if ($i !~ /^[0-9]+$/) break
			if (FILENAME == ARGV[1]) a[key, i-2] = $i; else b[key, i-2] = $i
		}
		if (FILENAME != ARGV[1]) {
			order[++n] = key
			desc = ""
			for (j = i; j <= NF; j++) desc = desc (desc == "" ? "" : " ") $j
			d[key] = desc
			cnt[key] = i - 2
		}
	}
	END {
		printf "%-6s", "IRQ"
		for (c = 0; c < ncpu; c++) printf " %8s", "CPU" c
		printf " %8s  %s\n", "TOTAL", "description"
		for (k = 1; k <= n; k++) {
			key = order[k]; tot = 0; line = sprintf("%-6s", key)
			for (c = 0; c < cnt[key]; c++) { v = b[key, c] - a[key, c]; tot += v; line = line sprintf(" %8d", v) }
			if (tot != 0) printf "%s %8d  %s\n", line, tot, d[key]
		}
	}' "$1" "$2"
}

# perf_event_counts FILE EVENT... : for perf-script text, number of lines
# matching " EVENT:" (event name followed by a colon), one line per event.
perf_event_counts() {
	local f="$1"; shift
	local e
	for e in "$@"; do
		printf '%-28s %s\n' "$e:" "$(grep -c -- " $e:" "$f" || true)"
	done
}

# ftrace_event_counts FILE EVENT... : for ftrace text, number of lines
# matching " EVENT:" (event name followed by a colon).
ftrace_event_counts() { perf_event_counts "$@"; }
