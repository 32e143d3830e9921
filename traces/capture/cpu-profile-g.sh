#!/usr/bin/env bash
# cpu-profile-g.sh - produce traces/perf-script/cpu-profile-g.perf.txt
# (and, from the same perf.data, fields-variant.perf.txt: see fields-variant.sh).
#
# System-wide sampling profile with call graphs:
#   perf record -a -g -F 999 -o /tmp/tl-cpu-profile.data -- <workload>
#   perf script -i /tmp/tl-cpu-profile.data      (default fields)
#
# No hardware PMU on the capture VM (KVM): perf falls back to the software
# event cpu-clock, so idle CPUs are sampled too (swapper, pid 0).
#
# Workload (bounded, loopback only, ~2 s):
#   * python3 -m http.server bound to 127.0.0.1 serving a 256 KiB file,
#     started BEFORE perf record (so only its request handling is sampled)
#   * CURL_ROUNDS x `curl -s http://127.0.0.1:PORT/blob.bin | sha256sum`
#   * concurrently: dd if=/dev/urandom bs=64k count=DD_COUNT | sha256sum
# Ground truth written to /tmp/tl-cpu-profile.truth: curl request count,
# http.server "GET" log-line count, /proc/interrupts delta.
source "$(dirname "$0")/common.sh"

PORT=${PORT:-18431}
CURL_ROUNDS=${CURL_ROUNDS:-120}
DD_COUNT=${DD_COUNT:-400}
DATA=/tmp/tl-cpu-profile.data
OUT="$PERF_OUT/cpu-profile-g.perf.txt"
TRUTH=/tmp/tl-cpu-profile.truth
WWW=/tmp/tl-www

mkdir -p "$WWW"
head -c 262144 /dev/zero | tr '\0' 'x' > "$WWW/blob.bin"
python3 -m http.server --bind 127.0.0.1 --directory "$WWW" "$PORT" 2> /tmp/tl-httpd.log >/dev/null &
HTTPD=$!
trap 'kill $HTTPD 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
: > /tmp/tl-httpd.log   # drop the readiness probe's log line

cat > /tmp/tl-cpu-workload.sh <<EOF
#!/bin/bash
dd if=/dev/urandom bs=64k count=$DD_COUNT 2>/dev/null | sha256sum >/dev/null &
n=0
for i in \$(seq $CURL_ROUNDS); do
  curl -s http://127.0.0.1:$PORT/blob.bin | sha256sum >/dev/null; n=\$((n+1))
done
wait
echo "curl_requests=\$n" >&2
EOF
chmod +x /tmp/tl-cpu-workload.sh

cat /proc/interrupts > /tmp/tl-cpu.irq.before
perf record -a -g -F 999 -o "$DATA" -- /tmp/tl-cpu-workload.sh 2> /tmp/tl-cpu.record.log
cat /proc/interrupts > /tmp/tl-cpu.irq.after
cat /tmp/tl-cpu.record.log

perf script -i "$DATA" > "$OUT" 2> /tmp/tl-cpu.script.log

set +e +o pipefail
{
	echo "uname -r: $(uname -r)"
	echo "perf: $(perf version)"
	echo "nproc: $(nproc)"
	grep curl_requests /tmp/tl-cpu.record.log
	echo "http.server GET log lines: $(grep -c '"GET /blob.bin' /tmp/tl-httpd.log)"
	echo "perf record says: $(grep -io "captured and wrote.*" /tmp/tl-cpu.record.log)"
	echo "samples (header lines = lines not starting with whitespace, non-empty): $(grep -c '^[^[:space:]]' "$OUT")"
	echo "cpu-clock: lines: $(grep -c ' cpu-clock:' "$OUT")"
	echo "samples per CPU:"; grep -o '^.\{0,40\}\[00[0-9]\]' "$OUT" | grep -o '\[00[0-9]\]' | sort | uniq -c
	echo "size: $(stat -c %s "$OUT") bytes, lines: $(wc -l < "$OUT")"
	echo "/proc/interrupts delta:"; irq_delta /tmp/tl-cpu.irq.before /tmp/tl-cpu.irq.after
} > "$TRUTH"
cat "$TRUTH"
