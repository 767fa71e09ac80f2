#!/usr/bin/env bash
# realesrgan_degrade end to end: noise statistics, JPEG against ffmpeg's own mjpeg round
# trip, same seed -> same bytes on any thread count, odd sizes, 10/16-bit input
# (tests/degrade/_behaviour.py), and bad options refused with a message naming them.
set -u
ROOT=${RESR_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/filter/_lib.sh"

require_ffmpeg degrade_behaviour
if ! "$FFMPEG" -hide_banner -filters 2>/dev/null | grep -q realesrgan_degrade; then
    skip degrade_behaviour "this ffmpeg has no realesrgan_degrade filter"
    exit 0
fi
"$PY" "$ROOT/tests/degrade/_behaviour.py" "$FFMPEG" "$WORK" || failures=$((failures + 1))

# bad OPTIONS REGEX: refused with a message matching REGEX, no crash
bad() {
    local name=$1 opts=$2 regex=$3 status
    ff "$WORK/$name.log" -f lavfi -i testsrc2=s=64x48:d=0.04 -vf "realesrgan_degrade=$opts" -f null -
    status=$?
    expect_error "$name" $status "$WORK/$name.log" "$regex"
}
bad bad_even_blur_size "preset=none:blur=iso:blur_size=20" "blur_size must be odd"
bad bad_negative_sigma "preset=none:blur=iso:sigma_x=-1" "sigma_x.*out of range"
bad bad_scale3 "scale=3" "scale must be 1, 2 or 4"
bad bad_sinc_cutoff "preset=none:blur=sinc:cutoff=0" "cutoff must be in"
bad bad_blur_name "blur=box" "blur|box"
bad bad_jpeg_quality "jpeg=101" "jpeg.*out of range"
ff "$WORK/small.log" -f lavfi -i testsrc2=s=3x9:d=0.04 -vf "realesrgan_degrade=scale=4" -f null -
expect_error bad_input_smaller_than_scale $? "$WORK/small.log" "smaller than scale"

# -v verbose prints the drawn parameters of every frame
ff "$WORK/verbose.log" -v verbose -f lavfi -i testsrc2=s=64x48:d=0.08:r=25 -vf realesrgan_degrade=seed=3 -f null -
n=$(grep -c "realesrgan_degrade.*frame [0-9]* seed 3: .*jpeg=" "$WORK/verbose.log")
check verbose_line_per_frame $(( n == 2 ? 0 : 1 )) "$n parameter lines for 2 frames: $(log_excerpt "$WORK/verbose.log")"
finish
