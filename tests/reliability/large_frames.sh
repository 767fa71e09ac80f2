#!/usr/bin/env bash
# 8K input (7680x4320), one frame:
#   - with a x4 model the output (30720x17280) is more than FFmpeg can allocate: a clear
#     error before any work, not a crash or an allocation attempt;
#   - with a x2 model (a small SRVGG from tests/fixtures, so that the frame takes seconds,
#     not minutes) the output is 15360x8640; automatic tiling splits the frame, and the
#     peak resident set stays under the engine's tile budget (512 MiB of activations,
#     RESR_CPU_TILE_BUDGET_BYTES in cpu_engine.c) plus the frames and FFmpeg: 1.5 GiB
#     (measured 0.77 GiB).
#     Untiled, this network would hold 8.5 GB of activations.
# Under make check-asan (RESR_SANITIZED=1) only the refusal runs: ASan's shadow memory
# changes the figures and the 8K frame takes minutes there.
. "$(dirname "$0")/../filter/_lib.sh"
X2=$ROOT/tests/fixtures/srvgg_x2_f16.pth
MAX_PEAK_KIB=$((3 * 512 * 1024))
CASES=(large_8k_x4_refused large_8k_x2_tiled_bounded)
require_ffmpeg "${CASES[@]}"
if [ ! -f "$MODEL" ] || [ ! -f "$X2" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "$MODEL or $X2 missing"; done
    exit 0
fi
measure() { "$PY" "$ROOT/tests/reliability/_measure.py" peak "$@"; }

measure "$WORK/x4.log" "$WORK/x4.out" -- "$FFMPEG" -hide_banner -nostdin \
    -f lavfi -i "color=s=7680x4320:d=0.04" -vf "realesrgan=model=$MODEL" -f null -
read -r how code peak < "$WORK/x4.out"
echo "# 8K x4: $how $code, peak $peak KiB: $(grep -m1 'too large' "$WORK/x4.log" | cut -c1-160)"
# (under ASan the resident set is the sanitizer's: the bound is checked unsanitized only)
if [ "$how" = exit ] && [ "$code" != 0 ] && grep -q 'too large' "$WORK/x4.log" &&
   { [ "${RESR_SANITIZED:-0}" = 1 ] || [ "$peak" -lt $((512 * 1024)) ]; }; then
    pass large_8k_x4_refused
else
    fail large_8k_x4_refused "$how $code, peak $peak KiB: $(log_excerpt "$WORK/x4.log")"
fi

if [ "${RESR_SANITIZED:-0}" = 1 ]; then
    skip large_8k_x2_tiled_bounded "sanitized build: ASan's memory figures, and minutes per 8K frame"
    finish
fi
start=$(date +%s)
measure "$WORK/x2.log" "$WORK/x2.out" -- "$FFMPEG" -hide_banner -nostdin -v verbose \
    -f lavfi -i "testsrc2=s=7680x4320:d=0.04" -vf "realesrgan=model=$X2" \
    -c:v rawvideo -f framemd5 "$WORK/x2.md5"
read -r how code peak < "$WORK/x2.out"
plan=$(grep -m1 -o 'cpu engine: 7680x4320 in [0-9]* tile(s)[^(]*' "$WORK/x2.log")
tiles=$(echo "$plan" | sed -n 's/.* in \([0-9]*\) tile.*/\1/p')
frames=$(grep -vc '^#' "$WORK/x2.md5" 2>/dev/null)
size=$(grep -v '^#' "$WORK/x2.md5" 2>/dev/null | cut -d, -f5 | tr -d ' ')
echo "# 8K x2: $how $code in $(( $(date +%s) - start ))s, $plan, peak resident $((peak / 1024)) MiB"
if [ "$how $code" != "exit 0" ] || [ "$frames" != 1 ] || [ "$size" != $((15360 * 8640 * 3 / 2)) ]; then
    fail large_8k_x2_tiled_bounded "$how $code, $frames frames of $size bytes: $(log_excerpt "$WORK/x2.log")"
elif [ "${tiles:-0}" -lt 2 ] || [ "$peak" -gt $MAX_PEAK_KIB ]; then
    fail large_8k_x2_tiled_bounded "$plan; peak $peak KiB (limit $MAX_PEAK_KIB)"
else
    pass large_8k_x2_tiled_bounded
fi
finish
