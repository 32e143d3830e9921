#!/usr/bin/env bash
# replay-cpu-state.sh - per-CPU state for the replay engine: traces/replay/cpu-state.trace.txt.gz
# System-wide, ~2 s: a busy loop pinned to CPU 0 for 0.8 s, a 0.3 s sleep, then dd direct writes
# (virtio-blk IRQs) pinned to CPU 0, recorded in a private ftrace instance with sched_switch and
# the hard/soft IRQ events. Whatever else the VM runs in the window is in the trace too.
# Ground truth outside tracelens (-> traces/replay/cpu-state.truth.txt): per-CPU /proc/stat deltas
# (USER_HZ ticks of user, nice, system, idle, iowait, irq, softirq, steal) taken inside the window.
source "$(dirname "$0")/detectors-common.sh"
ensure_tracefs
NAME=tl_replay_cpu
OUT="$TRACES_DIR/replay"
mkdir -p "$OUT"
trap 'det_instance_remove $NAME; rm -f /tmp/tl-rc.bin' EXIT

det_instance_create $NAME 16384 sched/sched_switch irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit
echo 1 > "$TRACEFS/instances/$NAME/tracing_on"
grep '^cpu[0-9]' /proc/stat > /tmp/tl-rc.before
taskset -c 0 timeout 0.8 bash -c 'while :; do :; done' || true
sleep 0.3
taskset -c 0 dd if=/dev/zero of=/tmp/tl-rc.bin bs=4k count=200 oflag=direct 2>/dev/null
sleep 0.2
grep '^cpu[0-9]' /proc/stat > /tmp/tl-rc.after
echo 0 > "$TRACEFS/instances/$NAME/tracing_on"
det_instance_dump $NAME /tmp/tl-rc.trace.txt /tmp/tl-rc.stats
gzip -9n < /tmp/tl-rc.trace.txt > "$OUT/cpu-state.trace.txt.gz"

{
	echo "uname -r: $(uname -r); nproc: $(nproc); USER_HZ: $(getconf CLK_TCK)"
	echo "ftrace per-CPU loss: $(tr '\n' ' ' < /tmp/tl-rc.stats)"
	echo "/proc/stat per-CPU delta in ticks (user nice system idle iowait irq softirq steal) and idle share:"
	paste /tmp/tl-rc.before /tmp/tl-rc.after | awk '{
		n = 0; for (i = 2; i <= 9; i++) { d[i] = $(i + 11) - $i; n += d[i] }
		printf "  %s %d %d %d %d %d %d %d %d  idle+iowait share %.3f\n", $1, d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], (d[5] + d[6]) / n }'
	echo "events in the file (grep -c):"
	det_counts /tmp/tl-rc.trace.txt 'sched_switch:' 'irq_handler_entry:' 'softirq_entry:'
} > "$OUT/cpu-state.truth.txt"
cat "$OUT/cpu-state.truth.txt"; ls -la "$OUT"
