#!/usr/bin/env bash
# run-all.sh - re-run every capture in this folder (root, ~15 s in total).
# Each script is bounded and loopback-only; ftrace captures use private
# instances only and remove them again.  Ground-truth summaries land in
# /tmp/tl-*.truth (they were pasted into ../perf-script/README.md and
# ../ftrace/README.md).  function-graph-ftrace.sh exits 2 where function
# tracing is not permitted (as on the original capture VM).
set -u
cd "$(dirname "$0")"
for s in cpu-profile-g.sh fields-variant.sh tracepoints.sh tracepoints-g.sh \
         small-perf-data.sh events-ftrace.sh stacktrace-ftrace.sh function-graph-ftrace.sh; do
	echo "=== $s"
	./"$s" || echo "=== $s exited with status $?"
done
