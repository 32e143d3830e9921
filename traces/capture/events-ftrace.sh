#!/usr/bin/env bash
# events-ftrace.sh - produce, from ONE capture in a private ftrace instance:
#   traces/ftrace/events.trace.txt             (cat instances/tl_events/trace)
#   traces/ftrace/events.trace-cmd-report.txt  (trace-cmd extract + trace-cmd report)
#
# Only the private instance $TRACEFS/instances/tl_events is configured; global
# tracefs settings are not touched.  Instance settings used:
#   buffer_size_kb = 2048 (per CPU, this instance only)
#   events: irq/* sched/sched_switch sched/sched_wakeup tlb/tlb_flush
#           raw_syscalls/* lock/* net/* napi/*   (each only if present)
#
# Order matters:
#   1. run the workload, then `echo 0 > tracing_on` (freeze the buffer)
#   2. cat trace > events.trace.txt      (reading "trace" is non-destructive)
#   3. trace-cmd extract -B tl_events    (reads trace_pipe_raw, which CONSUMES
#      the buffer, and trace-cmd 3.1.6 then REMOVES the instance itself)
#   4. trace-cmd report -i /tmp/tl-events.dat > events.trace-cmd-report.txt
#
# Workload /tmp/tl-ev-workload.sh (bounded, loopback only, < 0.5 s):
#   dd if=/dev/zero of=/tmp/tl-dd.bin bs=64k count=16 oflag=direct  (virtio-blk IRQs)
#   tl_workload 100 100   (100 TCP round trips on 127.0.0.1, 100 mmap/munmap
#                          of 64 KiB next to a spinning sibling thread)
# Ground truth -> /tmp/tl-events.truth: /proc/interrupts delta taken by the
# workload script inside the traced window, the workload's own syscall
# counts, per-CPU buffer stats (overrun must be 0), grep -c per event.
source "$(dirname "$0")/common.sh"
build_workload
ensure_tracefs
command -v trace-cmd >/dev/null || { echo "apt-get install -y trace-cmd" >&2; exit 1; }

NAME=tl_events
INST="$TRACEFS/instances/$NAME"
OUT_TRACE="$FTRACE_OUT/events.trace.txt"
OUT_REPORT="$FTRACE_OUT/events.trace-cmd-report.txt"
DAT=/tmp/tl-events.dat
TRUTH=/tmp/tl-events.truth

cleanup() { [ -d "$INST" ] && { echo 0 > "$INST/tracing_on"; echo 0 > "$INST/events/enable"; rmdir "$INST"; } ; true; }
trap cleanup EXIT

cat > /tmp/tl-ev-workload.sh <<EOF
#!/bin/bash
cat /proc/interrupts > /tmp/tl-ev.irq.inner.before
dd if=/dev/zero of=/tmp/tl-dd.bin bs=64k count=16 oflag=direct 2>/dev/null
$WORKLOAD 100 100 2> /tmp/tl-ev-selfcount.txt
rm -f /tmp/tl-dd.bin
cat /proc/interrupts > /tmp/tl-ev.irq.inner.after
EOF
chmod +x /tmp/tl-ev-workload.sh

mkdir "$INST"
echo 0 > "$INST/tracing_on"
echo 2048 > "$INST/buffer_size_kb"
ENABLED=()
for ev in irq sched/sched_switch sched/sched_wakeup tlb/tlb_flush raw_syscalls lock net napi; do
	if [ -e "$INST/events/$ev/enable" ]; then
		echo 1 > "$INST/events/$ev/enable"; ENABLED+=("$ev")
	else
		echo "event (group) $ev not present on $(uname -r), skipped" >&2
	fi
done
cat /proc/interrupts > /tmp/tl-ev.irq.outer.before   # just before tracing_on=1
echo 1 > "$INST/tracing_on"
/tmp/tl-ev-workload.sh
echo 0 > "$INST/tracing_on"
cat /proc/interrupts > /tmp/tl-ev.irq.outer.after    # just after tracing_on=0

cat "$INST/trace" > "$OUT_TRACE"
for c in "$INST"/per_cpu/cpu*; do echo "$(basename "$c"):"; cat "$c/stats"; done > /tmp/tl-ev.stats
cat "$INST/set_event" > /tmp/tl-ev.set_event
(cd /tmp && trace-cmd extract -B "$NAME" -o "$DAT") > /tmp/tl-ev.extract.log 2>&1
trace-cmd report -i "$DAT" > "$OUT_REPORT" 2> /tmp/tl-ev.report.log
cleanup

set +e +o pipefail
EVENTS=$(sed 's/.*://' /tmp/tl-ev.set_event | sort -u)
{
	echo "uname -r: $(uname -r)"
	echo "trace-cmd: $(trace-cmd --version 2>&1 | grep -o 'version [^ ]*')"
	echo "nproc: $(nproc)"
	echo "enabled groups/events: ${ENABLED[*]}"
	echo "$(grep -m1 'entries-in-buffer' "$OUT_TRACE")"
	echo "per-CPU ring buffer stats (overrun = events lost):"; grep -E '^cpu|entries|overrun|dropped' /tmp/tl-ev.stats
	echo "events.trace.txt: $(stat -c %s "$OUT_TRACE") bytes, $(wc -l < "$OUT_TRACE") lines, $(grep -vc '^#' "$OUT_TRACE") non-comment lines"
	echo "events.trace-cmd-report.txt: $(stat -c %s "$OUT_REPORT") bytes, $(wc -l < "$OUT_REPORT") lines"
	echo "records per CPU (trace): "; grep -v '^#' "$OUT_TRACE" | grep -o ' \[00[0-9]\] ' | sort | uniq -c
	printf '%-28s %10s %10s\n' "grep -c ' EVENT:'" trace report
	for e in $EVENTS; do
		printf '%-28s %10s %10s\n' "$e:" "$(grep -c " $e:" "$OUT_TRACE")" "$(grep -c " $e:" "$OUT_REPORT")"
	done
	echo "irq_handler_entry by cpu/irq (trace):"
	grep ' irq_handler_entry:' "$OUT_TRACE" | grep -o '\[00[0-9]\].*irq=[0-9]* name=[^ ]*' | awk '{print $1, $(NF-1), $NF}' | sort | uniq -c
	echo "tlb_flush by reason (trace):"; grep ' tlb_flush:' "$OUT_TRACE" | grep -o 'reason:.*' | sort | uniq -c
	echo "sys_enter per task (trace, top 15):"; grep ' sys_enter:' "$OUT_TRACE" | awk '{print $1}' | sort | uniq -c | sort -rn | head -15
	echo "self-count printed by the workload:"; cat /tmp/tl-ev-selfcount.txt
	echo "/proc/interrupts delta INSIDE the traced window:"
	irq_delta /tmp/tl-ev.irq.inner.before /tmp/tl-ev.irq.inner.after
	echo "trace-cmd extract log:"; cat /tmp/tl-ev.extract.log
	echo "trace-cmd report stderr:"; cat /tmp/tl-ev.report.log
	echo "/proc/interrupts delta from just before tracing_on=1 to just after tracing_on=0 (covers the whole traced window):"
	irq_delta /tmp/tl-ev.irq.outer.before /tmp/tl-ev.irq.outer.after
} > "$TRUTH"
cat "$TRUTH"
ls "$TRACEFS/instances"
