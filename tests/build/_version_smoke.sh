#!/usr/bin/env bash
# tests/build/_version_smoke.sh FFMPEG: the filter in an ffmpeg built against another FFmpeg
# version (make check-ffmpeg-versions FFMPEG_CHECK_RUN=1) upscales 3 frames of a 16x12 RGB
# test pattern x2 with the tiny fixture model: the output is 3 frames of 32x24 and, when the
# default build's ./ffmpeg (9.0) is there, byte for byte what it gives on the same input. The
# input is made once, as rgb24 in NUT: the pattern and its conversion to RGB (swscale) differ
# between FFmpeg versions, the filter's code must not.
set -uo pipefail
ffmpeg=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/resr-version-smoke.XXXXXX")
trap 'rm -rf "$dir"' EXIT
maker=$ffmpeg
[ -x ./ffmpeg ] && maker=./ffmpeg
"$maker" -nostdin -hide_banner -loglevel error -f lavfi -i testsrc2=s=16x12:d=0.12:r=25 \
    -vf format=rgb24 -c:v rawvideo -f nut -y "$dir/in.nut" || {
    echo "version smoke: $maker could not write the input" >&2; exit 1; }
upscale() {
    "$1" -nostdin -hide_banner -loglevel error -i "$dir/in.nut" \
        -vf realesrgan=model=tests/fixtures/srvgg_x2_f16.pth -pix_fmt rgb24 -f rawvideo -y "$2"
}
upscale "$ffmpeg" "$dir/out.rgb" || { echo "version smoke: $ffmpeg -vf realesrgan failed" >&2; exit 1; }
bytes=$(wc -c < "$dir/out.rgb")
[ "$bytes" -eq $((3 * 32 * 24 * 3)) ] || {
    echo "version smoke: $bytes bytes of output, expected $((3 * 32 * 24 * 3)) (3 frames of 32x24 rgb24)" >&2; exit 1; }
same=
if [ -x ./ffmpeg ]; then
    upscale ./ffmpeg "$dir/ref.rgb" || { echo "version smoke: ./ffmpeg -vf realesrgan failed" >&2; exit 1; }
    cmp -s "$dir/out.rgb" "$dir/ref.rgb" || {
        echo "version smoke: the output differs from ./ffmpeg's ($(./ffmpeg -hide_banner -version | head -n1))" >&2; exit 1; }
    same=", identical to ./ffmpeg's"
fi
echo "version smoke: $("$ffmpeg" -hide_banner -version | head -n1): 3 frames 16x12 -> 32x24$same"
