#!/usr/bin/env bash
# small-perf-data.sh - produce traces/perf-script/small.perf.data (binary) and
# traces/perf-script/small.perf-script.txt (its perf script text).
#
#   perf record -a -e sched:sched_switch -o traces/perf-script/small.perf.data -- /tmp/tl-small-workload.sh
#   perf script -i traces/perf-script/small.perf.data > traces/perf-script/small.perf-script.txt
#
# Workload (~0.5 s): tl_workload 50 0 (50 loopback round trips -> context
# switches between tl_workload and tl_server) then sleep 0.4.
# Ground truth -> /tmp/tl-small.truth: record count from `perf report --stats`
# (read from the binary file, outside tracelens) and grep -c of the text.
source "$(dirname "$0")/common.sh"
build_workload

DATA="$PERF_OUT/small.perf.data"
OUT="$PERF_OUT/small.perf-script.txt"
TRUTH=/tmp/tl-small.truth
printf '#!/bin/bash\n%s 50 0 2>/dev/null\nsleep 0.4\n' "$WORKLOAD" > /tmp/tl-small-workload.sh
chmod +x /tmp/tl-small-workload.sh

rm -f "$DATA"
perf record -a -e sched:sched_switch -o "$DATA" -- /tmp/tl-small-workload.sh 2> /tmp/tl-small.record.log
cat /tmp/tl-small.record.log
chmod 644 "$DATA"
perf script -i "$DATA" > "$OUT" 2> /tmp/tl-small.script.log

set +e +o pipefail
{
	echo "uname -r: $(uname -r)"
	echo "perf: $(perf version)"
	echo "nproc: $(nproc)"
	echo "perf record: $(grep -io 'captured and wrote.*' /tmp/tl-small.record.log)"
	echo "perf.data size: $(stat -c %s "$DATA") bytes"
	echo "perf report --stats (SAMPLE events):"; perf report -i "$DATA" --stats 2>/dev/null | grep -E 'SAMPLE events|LOST'
	echo "text: $(wc -l < "$OUT") lines, $(stat -c %s "$OUT") bytes"
	echo "grep -c ' sched:sched_switch:': $(grep -c ' sched:sched_switch:' "$OUT")"
	echo "records per CPU:"; grep -o ' \[00[0-9]\] ' "$OUT" | sort | uniq -c
	echo "switches with prev_comm=tl_workload / tl_server:"; grep -o 'prev_comm=tl_[a-z]*' "$OUT" | sort | uniq -c
} > "$TRUTH"
cat "$TRUTH"
