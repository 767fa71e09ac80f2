#!/usr/bin/env bash
# tests/build/_version_smoke.sh FFMPEG: the filter in an ffmpeg built against another FFmpeg
# version (make check-ffmpeg-versions FFMPEG_CHECK_RUN=1) upscales a 16x12 test pattern x2
# with the tiny fixture model, the frames are the size and count expected, and, when the
# default build's ./ffmpeg (9.0) is there, byte for byte what it gives: the same filter code
# must compute the same pixels whatever FFmpeg hosts it.
set -uo pipefail
ffmpeg=$1
out=$(mktemp "${TMPDIR:-/tmp}/resr-version-smoke.XXXXXX")
ref=$out.ref
trap 'rm -f "$out" "$ref"' EXIT
upscale() {
    "$1" -nostdin -hide_banner -loglevel error -f lavfi -i testsrc2=s=16x12:d=0.12:r=25 \
        -vf realesrgan=model=tests/fixtures/srvgg_x2_f16.pth,format=rgb24 -f rawvideo -y "$2"
}
upscale "$ffmpeg" "$out" || { echo "version smoke: $ffmpeg -vf realesrgan failed" >&2; exit 1; }
# 3 frames of 32x24 rgb24
bytes=$(wc -c < "$out")
[ "$bytes" -eq $((3 * 32 * 24 * 3)) ] || {
    echo "version smoke: $bytes bytes of output, expected $((3 * 32 * 24 * 3)) (3 frames of 32x24 rgb24)" >&2; exit 1; }
same=
if [ -x ./ffmpeg ] && upscale ./ffmpeg "$ref" 2>/dev/null; then
    cmp -s "$out" "$ref" || { echo "version smoke: the output differs from ./ffmpeg's ($(./ffmpeg -hide_banner -version | head -n1))" >&2; exit 1; }
    same=", identical to ./ffmpeg's"
fi
echo "version smoke: $("$ffmpeg" -hide_banner -version | head -n1): 3 frames 16x12 -> 32x24$same"
