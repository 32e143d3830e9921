#!/usr/bin/env bash
# stacktrace-ftrace.sh - produce traces/ftrace/stacktrace.trace.txt
#
# Private instance tl_stack with options/stacktrace = 1 and two low-rate events,
# sched/sched_process_exec and irq/irq_handler_entry, so every event line is
# followed by a "<stack trace>" block (kernel stack, " => function" lines).
#   mkdir $TRACEFS/instances/tl_stack
#   echo 256 > instances/tl_stack/buffer_size_kb
#   echo 1 > instances/tl_stack/options/stacktrace
#   echo 1 > instances/tl_stack/events/sched/sched_process_exec/enable
#   echo 1 > instances/tl_stack/events/irq/irq_handler_entry/enable
#   <workload>; echo 0 > instances/tl_stack/tracing_on
#   cat instances/tl_stack/trace; (disable) rmdir instances/tl_stack
#
# Workload /tmp/tl-st-workload.sh: execs /bin/true EXECS times, then
# dd if=/dev/zero of=/tmp/tl-dd.bin bs=64k count=8 oflag=direct (virtio-blk
# IRQs), with /proc/interrupts read (bash builtin, no exec) before and after
# the dd, i.e. inside the traced window.
# Ground truth -> /tmp/tl-stacktrace.truth: the execve calls the workload
# issues (strace -f -e trace=execve of a separate identical run), the
# /proc/interrupts delta, grep -c counts.
source "$(dirname "$0")/common.sh"
ensure_tracefs

NAME=tl_stack
INST="$TRACEFS/instances/$NAME"
OUT="$FTRACE_OUT/stacktrace.trace.txt"
TRUTH=/tmp/tl-stacktrace.truth
EXECS=${EXECS:-5}

cleanup() { [ -d "$INST" ] && { echo 0 > "$INST/tracing_on"; echo 0 > "$INST/events/enable"; echo 0 > "$INST/options/stacktrace"; rmdir "$INST"; } ; true; }
trap cleanup EXIT

cat > /tmp/tl-st-workload.sh <<EOF
#!/bin/bash
for i in \$(seq $EXECS); do /bin/true; done
read -r -d '' BEFORE < /proc/interrupts   # bash builtin: no exec, no fork
taskset -c 1 bash -c 'while :; do :; done' &   # CPU1 busy: IRQs interrupt a task, not idle
SPIN=\$!
taskset -c 0 dd if=/dev/zero of=/tmp/tl-dd.bin bs=64k count=8 oflag=direct 2>/dev/null
kill \$SPIN
read -r -d '' AFTER < /proc/interrupts
rm -f /tmp/tl-dd.bin
printf '%s\n' "\$BEFORE" > /tmp/tl-st.irq.inner.before
printf '%s\n' "\$AFTER" > /tmp/tl-st.irq.inner.after
EOF
chmod +x /tmp/tl-st-workload.sh

mkdir "$INST"
echo 0 > "$INST/tracing_on"
echo 256 > "$INST/buffer_size_kb"
echo 1 > "$INST/options/stacktrace"
echo 1 > "$INST/events/sched/sched_process_exec/enable"
echo 1 > "$INST/events/irq/irq_handler_entry/enable"
cat /proc/interrupts > /tmp/tl-st.irq.outer.before   # just before tracing_on=1
echo 1 > "$INST/tracing_on"
/tmp/tl-st-workload.sh
echo 0 > "$INST/tracing_on"
cat /proc/interrupts > /tmp/tl-st.irq.outer.after    # just after tracing_on=0
cat "$INST/trace" > "$OUT"
cleanup
cp /tmp/tl-st.irq.inner.before /tmp/tl-st.irq.traced.before
cp /tmp/tl-st.irq.inner.after /tmp/tl-st.irq.traced.after

# separate identical run: how many execve does the workload do?
strace -f -qq -e trace=execve -o /tmp/tl-st.strace.log /tmp/tl-st-workload.sh

set +e +o pipefail
{
	echo "uname -r: $(uname -r)"
	echo "nproc: $(nproc)"
	echo "$(grep -m1 'entries-in-buffer' "$OUT")"
	echo "size: $(stat -c %s "$OUT") bytes, $(wc -l < "$OUT") lines"
	echo "grep -c ' sched_process_exec:': $(grep -c ' sched_process_exec:' "$OUT")"
	echo "grep -c ' irq_handler_entry:': $(grep -c ' irq_handler_entry:' "$OUT")"
	echo "grep -c '<stack trace>': $(grep -c '<stack trace>' "$OUT")"
	echo "grep -c '^ => ': $(grep -c '^ => ' "$OUT")"
	echo "exec events by filename:"; grep ' sched_process_exec:' "$OUT" | grep -o 'filename=[^ ]*' | sort | uniq -c
	echo "irq_handler_entry by cpu/irq:"
	grep ' irq_handler_entry:' "$OUT" | grep -o '\[00[0-9]\].*irq=[0-9]* name=[^ ]*' | awk '{print $1, $(NF-1), $NF}' | sort | uniq -c
	echo "/proc/interrupts delta around the dd (inside the traced window):"
	irq_delta /tmp/tl-st.irq.traced.before /tmp/tl-st.irq.traced.after
	echo "successful execve calls in a separate strace -f run of the workload (incl. the script's own exec): $(grep -c 'execve(.*= 0$' /tmp/tl-st.strace.log)"
	grep 'execve(.*= 0$' /tmp/tl-st.strace.log | grep -o 'execve("[^"]*"' | sort | uniq -c
	echo "/proc/interrupts delta from just before tracing_on=1 to just after tracing_on=0 (covers the whole traced window):"
	irq_delta /tmp/tl-st.irq.outer.before /tmp/tl-st.irq.outer.after
} > "$TRUTH"
cat "$TRUTH"
ls "$TRACEFS/instances"
