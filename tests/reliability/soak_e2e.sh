#!/usr/bin/env bash
# Long runs through ffmpeg: 10 000 small frames (16x12 -> 64x48, a small SRVGG x4 from
# tests/fixtures) with ffmpeg's resident set sampled at frame 1000 and at the last progress
# report: a per-frame leak of a few dozen bytes shows as growth. Also every frame out,
# and the peak resident set. (The engine alone, allocation-counted: test_soak.c.)
# Under make check-asan (RESR_SANITIZED=1) the memory figures are ASan's, so only the
# frame count is checked there; LeakSanitizer checks the exit instead.
. "$(dirname "$0")/../filter/_lib.sh"
FAST=$ROOT/tests/fixtures/srvgg_x4.pth
FRAMES=10000
MAX_GROWTH_KIB=256
require_ffmpeg soak_10000_frames
[ -f "$FAST" ] || { skip_data soak_10000_frames "$FAST missing"; exit 0; }

start=$(date +%s)
"$PY" "$ROOT/tests/reliability/_measure.py" soak "$WORK/soak.log" "$WORK/soak.out" 1000 -- \
    "$FFMPEG" -hide_banner -nostdin -nostats -stats_period 0.1 -progress pipe:1 \
    -f lavfi -i "testsrc2=s=16x12:r=25,trim=end_frame=$FRAMES" \
    -vf "realesrgan=model=$FAST" -f null -
read -r how code peak rss_a rss_end frames < "$WORK/soak.out"
seconds=$(( $(date +%s) - start ))
echo "# soak: $how $code, $frames frames in ${seconds}s; resident at frame 1000: $rss_a KiB, at the end: $rss_end KiB; peak $peak KiB"
if [ "$how $code" != "exit 0" ] || [ "$frames" != $FRAMES ]; then
    fail soak_10000_frames "$how $code after $frames of $FRAMES frames: $(log_excerpt "$WORK/soak.log")"
elif [ "${RESR_SANITIZED:-0}" = 1 ]; then
    pass soak_10000_frames
    skip soak_resident_flat "sanitized build: ASan's quarantine holds freed memory"
elif [ "$rss_a" -le 0 ] || [ $((rss_end - rss_a)) -gt $MAX_GROWTH_KIB ]; then
    pass soak_10000_frames
    fail soak_resident_flat "resident set grew from $rss_a to $rss_end KiB over $((FRAMES - 1000)) frames (limit $MAX_GROWTH_KIB KiB)"
else
    pass soak_10000_frames
    pass soak_resident_flat
fi
finish
