#!/usr/bin/env bash
# replay-block.sh - real block I/O for the replay engine: traces/replay/block-dd.trace.txt.gz
# Workload (~1-2 s): two direct-I/O writers on the root disk (vda), one after the other:
#   dd if=/dev/zero of=/tmp/tl-rp-a.bin bs=4k  count=$COUNT oflag=direct   (one request each)
#   dd if=/dev/zero of=/tmp/tl-rp-b.bin bs=64k count=$COUNT oflag=direct   (one 128-sector request each)
# recorded in a private ftrace instance with block_rq_insert/issue/complete and the IRQ
# handler events (the virtio-blk completion interrupt). Nothing global changes.
# Ground truth outside tracelens (-> traces/replay/block-dd.truth.txt): /proc/diskstats of vda
# before/after (writes completed, sectors written), taken inside the traced window, and grep
# counts of the request events in the file.
source "$(dirname "$0")/detectors-common.sh"
ensure_tracefs
COUNT=${COUNT:-300}
NAME=tl_replay_block
OUT="$TRACES_DIR/replay"
mkdir -p "$OUT"
trap 'det_instance_remove $NAME; rm -f /tmp/tl-rp-a.bin /tmp/tl-rp-b.bin' EXIT

det_instance_create $NAME 8192 block/block_rq_insert block/block_rq_issue block/block_rq_complete irq/irq_handler_entry irq/irq_handler_exit
grep -w vda /proc/diskstats > /tmp/tl-rp.before
echo 1 > "$TRACEFS/instances/$NAME/tracing_on"
dd if=/dev/zero of=/tmp/tl-rp-a.bin bs=4k count="$COUNT" oflag=direct 2>/dev/null
dd if=/dev/zero of=/tmp/tl-rp-b.bin bs=64k count="$COUNT" oflag=direct 2>/dev/null
sync
echo 0 > "$TRACEFS/instances/$NAME/tracing_on"
grep -w vda /proc/diskstats > /tmp/tl-rp.after
det_instance_dump $NAME /tmp/tl-rp.trace.txt /tmp/tl-rp.stats
gzip -9n < /tmp/tl-rp.trace.txt > "$OUT/block-dd.trace.txt.gz"

# /proc/diskstats fields: 1 major 2 minor 3 name 4 reads 5 merged 6 sectors-read 7 ms 8 writes completed 9 merged 10 sectors written
{
	echo "uname -r: $(uname -r); nproc: $(nproc); dd count $COUNT x 4k and $COUNT x 64k, oflag=direct"
	echo "ftrace per-CPU loss: $(tr '\n' ' ' < /tmp/tl-rp.stats)"
	paste /tmp/tl-rp.before /tmp/tl-rp.after | awk '{printf "vda /proc/diskstats delta: writes completed %d, sectors written %d, flushes %d\n", $(8+20)-$8, $(10+20)-$10, $(19+20)-$19}'
	echo "events in the file (grep -c):"
	det_counts /tmp/tl-rp.trace.txt 'block_rq_insert:' 'block_rq_issue:' 'block_rq_complete:' 'irq_handler_entry:'
	echo "block_rq_complete by device and op (first fields):"
	grep 'block_rq_complete:' /tmp/tl-rp.trace.txt | awk '{for(i=1;i<=NF;i++) if ($i=="block_rq_complete:") print $(i+1), $(i+2)}' | sort | uniq -c | sed 's/^/  /'
} > "$OUT/block-dd.truth.txt"
cat "$OUT/block-dd.truth.txt"
