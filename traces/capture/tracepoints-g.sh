#!/usr/bin/env bash
# tracepoints-g.sh - produce traces/perf-script/tracepoints-g.perf.txt
#
# Small tracepoint capture WITH call graphs, so tracepoint records carry
# kernel (and user) callchains in perf script output:
#   perf record -a -g -e tlb:tlb_flush -e irq:irq_handler_entry -o /tmp/tl-tracepoints-g.data -- /tmp/tl-tpg-workload.sh
#   perf script -i /tmp/tl-tracepoints-g.data     (default fields)
#
# Workload /tmp/tl-tpg-workload.sh (bounded, loopback only, < 0.5 s):
#   * taskset -c 0 dd if=/dev/zero of=/tmp/tl-dd.bin bs=64k count=16 oflag=direct
#     while a syscall-free busy loop is pinned to CPU1 (virtio-blk IRQs land on
#     CPU1, and on this VM perf drops events that fire in CPU1's idle task)
#   * tl_workload 50 50 (50 loopback round trips, 50 mmap/munmap of 64 KiB
#     next to a spinning sibling thread -> tlb:tlb_flush incl. remote shootdowns)
# Ground truth -> /tmp/tl-tracepoints-g.truth (/proc/interrupts delta inside
# the traced window, grep -c per event, record count).
source "$(dirname "$0")/common.sh"
build_workload

DATA=/tmp/tl-tracepoints-g.data
OUT="$PERF_OUT/tracepoints-g.perf.txt"
TRUTH=/tmp/tl-tracepoints-g.truth

cat > /tmp/tl-tpg-workload.sh <<EOF2
#!/bin/bash
cat /proc/interrupts > /tmp/tl-tpg.irq.inner.before
taskset -c 1 bash -c 'while :; do :; done' &
SPIN=\$!
sleep 0.05
taskset -c 0 dd if=/dev/zero of=/tmp/tl-dd.bin bs=64k count=16 oflag=direct 2>/dev/null
kill \$SPIN
$WORKLOAD 50 50 2> /tmp/tl-tpg-selfcount.txt
rm -f /tmp/tl-dd.bin
cat /proc/interrupts > /tmp/tl-tpg.irq.inner.after
EOF2
chmod +x /tmp/tl-tpg-workload.sh

perf record -a -g -e tlb:tlb_flush -e irq:irq_handler_entry -o "$DATA" -- /tmp/tl-tpg-workload.sh 2> /tmp/tl-tpg.record.log
cat /tmp/tl-tpg.record.log
perf script -i "$DATA" > "$OUT" 2> /tmp/tl-tpg.script.log

set +e +o pipefail
{
	echo "uname -r: $(uname -r)"
	echo "perf: $(perf version)"
	echo "nproc: $(nproc)"
	echo "perf record: $(grep -io 'captured and wrote.*' /tmp/tl-tpg.record.log)"
	echo "records (header lines, i.e. lines with ' [NNN] '): $(grep -c ' \[[0-9][0-9][0-9]\] ' "$OUT")"
	echo "records per CPU:"; grep -o ' \[00[0-9]\] ' "$OUT" | sort | uniq -c
	echo "size: $(stat -c %s "$OUT") bytes, lines: $(wc -l < "$OUT")"
	echo "grep -c ' EVENT:' per event:"; perf_event_counts "$OUT" tlb:tlb_flush irq:irq_handler_entry
	echo "tlb:tlb_flush by reason:"; grep ' tlb:tlb_flush:' "$OUT" | grep -o 'reason:.*' | sort | uniq -c
	echo "irq:irq_handler_entry by cpu/irq/name:"; grep ' irq:irq_handler_entry:' "$OUT" | awk '{print $3, $(NF-1), $NF}' | sort | uniq -c
	echo "self-count: "; cat /tmp/tl-tpg-selfcount.txt
	echo "/proc/interrupts delta INSIDE the traced window:"
	irq_delta /tmp/tl-tpg.irq.inner.before /tmp/tl-tpg.irq.inner.after
} > "$TRUTH"
cat "$TRUTH"
