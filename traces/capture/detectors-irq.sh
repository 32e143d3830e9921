#!/usr/bin/env bash
# detectors-irq.sh - irq-pinned capture, recorded by perf and ftrace at once:
#   traces/detectors/irq-block.{perf.txt,trace.txt}
# Workload (system-wide, ~1 s): a syscall-free busy loop pinned to CPU 1 (perf on this VM
# drops events that fire while CPU 1 idles, see ../perf-script/README.md), and
#   taskset -c 0 dd if=/dev/zero of=/tmp/tl-det-dd.bin bs=4k count=$COUNT oflag=direct
# whose completions raise the virtio-blk IRQ (36, virtio1-req.0), which this VM
# delivers to CPU 1. IRQ affinity is NOT changed: the pinning is the VM's own.
#   perf record -a -e irq:irq_handler_entry,irq:irq_handler_exit,irq:softirq_entry,irq:softirq_exit -o DATA -- WRAPPER
# Ground truth outside tracelens (-> /tmp/tl-det-irq.truth): /proc/interrupts deltas taken
# by the wrapper just inside the traced window, grep -c of handler entries per CPU and IRQ.
source "$(dirname "$0")/detectors-common.sh"
ensure_tracefs
COUNT=${COUNT:-400}
NAME=tl_det_irq
TRUTH=/tmp/tl-det-irq.truth
DATA=/tmp/tl-det-irq.data
trap 'det_instance_remove $NAME; [ -n "${SPIN:-}" ] && kill $SPIN 2>/dev/null; true' EXIT

cat > /tmp/tl-det-irq-workload.sh <<EOF
#!/bin/bash
cat /proc/interrupts > /tmp/tl-det-irq.inner.before
dd if=/dev/zero of=/tmp/tl-det-dd.bin bs=4k count=$COUNT oflag=direct 2>/dev/null
cat /proc/interrupts > /tmp/tl-det-irq.inner.after
rm -f /tmp/tl-det-dd.bin
EOF
chmod +x /tmp/tl-det-irq-workload.sh

det_instance_create $NAME 2048 irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit
det_wrapper /tmp/tl-det-wrap.sh $NAME all taskset -c 0 /tmp/tl-det-irq-workload.sh
taskset -c 1 bash -c 'while :; do :; done' &
SPIN=$!
sleep 0.1
perf record -a -e irq:irq_handler_entry,irq:irq_handler_exit,irq:softirq_entry,irq:softirq_exit \
	-o "$DATA" -- /tmp/tl-det-wrap.sh 2> /tmp/tl-det-irq.record.log
det_instance_dump $NAME "$DET_OUT/irq-block.trace.txt" /tmp/tl-det-irq.stats
kill $SPIN; SPIN=
perf script -i "$DATA" > "$DET_OUT/irq-block.perf.txt" 2> /dev/null

{
	echo "uname -r: $(uname -r); perf: $(perf version); nproc: $(nproc)"
	echo "perf record: $(grep -o 'Captured and wrote.*' /tmp/tl-det-irq.record.log)"
	echo "ftrace per-CPU loss: $(tr '\n' ' ' < /tmp/tl-det-irq.stats)"
	echo "/proc/interrupts delta inside the traced window (taken by the workload):"
	irq_delta /tmp/tl-det-irq.inner.before /tmp/tl-det-irq.inner.after
	for f in "$DET_OUT/irq-block.perf.txt" "$DET_OUT/irq-block.trace.txt"; do
		echo "$(basename "$f"): $(stat -c %s "$f") bytes"
		echo "  irq_handler_entry by [cpu] irq name:"
		grep 'irq_handler_entry:' "$f" | grep -o '\[00[0-9]\].*irq=[0-9]* name=[^ ]*' | awk '{print $1, $(NF-1), $NF}' | sort | uniq -c | sed 's/^/  /'
	done
} > "$TRUTH"
cat "$TRUTH"
