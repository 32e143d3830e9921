#!/usr/bin/env bash
# tracepoints.sh - produce traces/perf-script/tracepoints.perf.txt
#
# System-wide tracepoint capture (no call graphs):
#   perf record -a -e <comma-separated events below> --exclude-perf -o /tmp/tl-tracepoints.data -- /tmp/tl-tp-workload.sh
#   perf script -i /tmp/tl-tracepoints.data       (default fields)
# --exclude-perf (required with raw_syscalls:*) drops perf's own events.
#
# Workload /tmp/tl-tp-workload.sh (bounded, loopback only, well under 1 s):
#   1. taskset -c 0 dd if=/dev/zero of=/tmp/tl-dd.bin bs=64k count=32 oflag=direct
#      while a syscall-free bash busy loop runs pinned to CPU1
#      -> real virtio-blk interrupts, so irq:irq_handler_entry/exit fire
#      (loopback traffic raises softirqs, not device IRQs)
#   2. tl_workload 200 200 (tl_workload.c): 200 TCP request/response round
#      trips over 127.0.0.1 between two processes, then 200 x
#      mmap/touch/munmap of 64 KiB while a sibling thread spins -> tlb:tlb_flush
#
# Ground truth measured outside tracelens, written to /tmp/tl-tracepoints.truth:
#   * /proc/interrupts delta (before/after perf record)
#   * the syscall counts tl_workload/tl_server print about themselves
#   * `strace -f -c` of a separate, identical run of tl_workload 200 200
#   * grep -c per event name in the output file, per-CPU record counts
source "$(dirname "$0")/common.sh"
build_workload
ensure_tracefs

DATA=/tmp/tl-tracepoints.data
OUT="$PERF_OUT/tracepoints.perf.txt"
TRUTH=/tmp/tl-tracepoints.truth
ROUNDS=${ROUNDS:-200}
MMAP_ROUNDS=${MMAP_ROUNDS:-200}

WANTED="irq:irq_handler_entry irq:irq_handler_exit irq:softirq_entry irq:softirq_exit
raw_syscalls:sys_enter raw_syscalls:sys_exit tlb:tlb_flush sched:sched_switch sched:sched_wakeup
net:net_dev_queue net:net_dev_xmit napi:napi_poll skb:consume_skb
lock:contention_begin lock:contention_end"
PRESENT=()
for ev in $WANTED; do
	if [ -d "$TRACEFS/events/${ev%%:*}/${ev#*:}" ]; then
		PRESENT+=("$ev")
	else
		echo "event $ev not available on $(uname -r), skipped" >&2
	fi
done

cat > /tmp/tl-tp-workload.sh <<EOF
#!/bin/bash
# inner /proc/interrupts snapshots: taken inside the traced window
cat /proc/interrupts > /tmp/tl-tp.irq.inner.before
# CPU1 busy-loop (no syscalls) while dd runs: on this VM perf drops every event
# that fires while CPU1 runs its idle task (see README), and virtio-blk IRQs go
# to CPU1, so keep CPU1 busy to have the IRQ handlers interrupt a real task.
taskset -c 1 bash -c 'while :; do :; done' &
SPIN=\$!
sleep 0.05
taskset -c 0 dd if=/dev/zero of=/tmp/tl-dd.bin bs=64k count=32 oflag=direct 2>/dev/null
kill \$SPIN
$WORKLOAD $ROUNDS $MMAP_ROUNDS 2> /tmp/tl-tp-selfcount.txt
rm -f /tmp/tl-dd.bin
cat /proc/interrupts > /tmp/tl-tp.irq.inner.after
EOF
chmod +x /tmp/tl-tp-workload.sh

cat /proc/interrupts > /tmp/tl-tp.irq.before
# --exclude-perf must FOLLOW the -e it applies to; it applies to all events of
# that (comma-separated) -e, so all events are given in one -e.
EVLIST=$(IFS=,; echo "${PRESENT[*]}")
perf record -a -e "$EVLIST" --exclude-perf -o "$DATA" -- /tmp/tl-tp-workload.sh 2> /tmp/tl-tp.record.log
cat /proc/interrupts > /tmp/tl-tp.irq.after
cat /tmp/tl-tp.record.log

perf script -i "$DATA" > "$OUT" 2> /tmp/tl-tp.script.log

# separate, identical run under strace for the full syscall table
strace -f -c -o /tmp/tl-tp.strace.txt "$WORKLOAD" "$ROUNDS" "$MMAP_ROUNDS" 2> /tmp/tl-tp-selfcount-strace-run.txt
# and once more with a full log, to count syscalls per process/thread
strace -f -qq -o /tmp/tl-tp.strace.log "$WORKLOAD" "$ROUNDS" "$MMAP_ROUNDS" 2> /tmp/tl-tp-selfcount-strace-run2.txt

set +e +o pipefail
{
	echo "uname -r: $(uname -r)"
	echo "perf: $(perf version)"
	echo "nproc: $(nproc)"
	echo "perf record: $(grep -io 'captured and wrote.*' /tmp/tl-tp.record.log)"
	echo "records (one line each, no call graphs; lines with ' [NNN] '): $(grep -c ' \[[0-9][0-9][0-9]\] ' "$OUT")"
	echo "records per CPU:"; grep -o ' \[00[0-9]\] ' "$OUT" | sort | uniq -c
	echo "size: $(stat -c %s "$OUT") bytes, lines: $(wc -l < "$OUT")"
	echo "grep -c ' EVENT:' per event:"; perf_event_counts "$OUT" "${PRESENT[@]}"
	echo "sys_enter lines per (pid, comm), top 20:"
	grep ' raw_syscalls:sys_enter:' "$OUT" | awk '{print $2, $1}' | sort | uniq -c | sort -rn | head -20
	echo "sys_enter lines per pid for the workload pids:"
	grep ' raw_syscalls:sys_enter:' "$OUT" | awk '{print $2}' | sort | uniq -c | sort -k2n |
		awk -v lo="$(grep -o 'tl_workload pid=[0-9]*' /tmp/tl-tp-selfcount.txt | cut -d= -f2)" '$2 >= lo && $2 <= lo + 2'
	echo "strace -f (separate run) syscall lines per pid (exit_group/exit included, 'resumed' halves not counted):"
	grep -v 'resumed>' /tmp/tl-tp.strace.log | grep -v '^[0-9]* +++' | awk '{print $1}' | sort | uniq -c
	echo "  (that run's self-count: $(tr '\n' ' ' < /tmp/tl-tp-selfcount-strace-run2.txt | grep -o 'tl_[a-z]* pid=[0-9]*' | tr '\n' ' '))"
	echo "/proc/interrupts delta INSIDE the traced window (taken by the workload script):"
	irq_delta /tmp/tl-tp.irq.inner.before /tmp/tl-tp.irq.inner.after
	echo "/proc/interrupts delta around the whole perf record (includes perf start-up and its own disk writes):"
	irq_delta /tmp/tl-tp.irq.before /tmp/tl-tp.irq.after
	echo "self-count printed by the workload during the perf run:"; cat /tmp/tl-tp-selfcount.txt
	echo "strace -f -c of a separate identical run:"; cat /tmp/tl-tp.strace.txt
	echo "tlb:tlb_flush by reason:"; grep ' tlb:tlb_flush:' "$OUT" | grep -o 'reason:.*' | sort | uniq -c
	echo "irq:irq_handler_entry by irq/name/cpu:"; grep ' irq:irq_handler_entry:' "$OUT" | awk '{print $3, $(NF-1), $NF}' | sort | uniq -c
	echo "irq:softirq_entry by vec/cpu:"; grep ' irq:softirq_entry:' "$OUT" | awk '{print $3, $(NF-1), $NF}' | sort | uniq -c
} > "$TRUTH" || true
cat "$TRUTH"
