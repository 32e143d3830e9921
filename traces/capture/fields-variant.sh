#!/usr/bin/env bash
# fields-variant.sh - produce traces/perf-script/fields-variant.perf.txt
#
# Re-scripts the SAME perf.data that cpu-profile-g.sh recorded
# (/tmp/tl-cpu-profile.data; run cpu-profile-g.sh first) with explicit fields:
#   perf script -i /tmp/tl-cpu-profile.data -F comm,pid,tid,time,event,ip,sym,dso --ns
# i.e. no cpu column, "pid/tid", 9-decimal timestamps, no period column.
# Only the first ~3000 lines are kept, cut at a record boundary (the blank
# line that ends a sample), so the slice holds only complete samples.
source "$(dirname "$0")/common.sh"

DATA=/tmp/tl-cpu-profile.data
OUT="$PERF_OUT/fields-variant.perf.txt"
MAX_LINES=${MAX_LINES:-3000}
[ -f "$DATA" ] || { echo "run cpu-profile-g.sh first ($DATA missing)" >&2; exit 1; }

perf script -i "$DATA" -F comm,pid,tid,time,event,ip,sym,dso --ns > /tmp/tl-fields-full.txt
# last blank line at or before line MAX_LINES = end of the last complete record
cut_at=$(head -n "$MAX_LINES" /tmp/tl-fields-full.txt | grep -n '^$' | tail -1 | cut -d: -f1)
head -n "$cut_at" /tmp/tl-fields-full.txt > "$OUT"

{
echo "uname -r: $(uname -r)"
echo "perf: $(perf version)"
echo "full re-script: $(grep -c '^[^[:space:]]' /tmp/tl-fields-full.txt) samples, $(wc -l < /tmp/tl-fields-full.txt) lines"
echo "slice: first $cut_at lines; samples in slice: $(grep -c '^[^[:space:]]' "$OUT")"
echo "cpu-clock: lines in slice: $(grep -c ' cpu-clock:' "$OUT")"
echo "size: $(stat -c %s "$OUT") bytes"
} | tee /tmp/tl-fields.truth
